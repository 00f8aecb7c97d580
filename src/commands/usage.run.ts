import type { Context } from '../context.js';
import { outputFormat, positiveInt } from './common.js';
import type { OptionsOf } from './spec.js';
import { USAGE_FORMATS, type spec } from './usage.js';
import { computeUsage, loadUsageInventory, NO_STREAM, type UsageBy } from '../cluster/usage.js';
import { print } from '../output/printer.js';
import { humanBytes, usageColumns, usageOpenMetrics } from '../output/usage.js';

export async function run(ctx: Context, _args: string[], o: OptionsOf<typeof spec>): Promise<void> {
  const format = outputFormat(o, USAGE_FORMATS, 'table');
  const top = o.top === undefined ? undefined : positiveInt(o.top, '--top', 0);
  const by = (o.by ?? 'project') as UsageBy;
  const cluster = await ctx.cluster(o.namespace);
  const namespace = o.namespace ? cluster.namespace : undefined;
  const inv = await ctx.spin('reading images and image streams', () => loadUsageInventory(cluster, { all: o.all === true, signal: ctx.signal }));
  const report = computeUsage(inv, { by, namespace, top });

  if (format === 'openmetrics') {
    print(ctx.io, format, { data: report, human: () => usageOpenMetrics(report) });
    return;
  }
  print(ctx.io, format, {
    kind: 'Usage',
    data: report,
    rows: report.units,
    columns: usageColumns(report),
    names: report.units.map((u) => u.name),
  });
  if (format === 'table' || format === 'wide') {
    const r = report.registry;
    const what = by === 'stream' ? 'image streams' : by === 'image' ? 'images' : 'projects';
    ctx.log.info(
      `registry: ${humanBytes(r.bytes)} (${r.bytes} bytes) in ${r.blobs} distinct blobs of ${r.images} images, ${r.imageStreams} image streams, ${r.projects} projects; ` +
        `shown: ${report.shown.units} of ${report.shown.of} ${what}, ${humanBytes(report.shown.attributed)} attributed` +
        (r.unmanagedImages ? `; ${r.unmanagedImages} images not managed by the registry left out (--all counts them)` : ''),
    );
    if (!report.units.length) ctx.log.info(namespace ? `no image streams in ${namespace}` : 'no images');
    else if (report.units.some((u) => u.name === NO_STREAM)) ctx.log.info(`${NO_STREAM}: images that no image stream holds (e.g. untagged, or pushed by digest)`);
  }
}
