import type { Context } from '../context.js';
import type { OptionsOf } from './spec.js';
import { outputFormat } from './common.js';
import type { LogQuery, PodRef } from '../cluster/logs.js';
import { EXIT, UsageError } from '../errors.js';
import { parseDuration } from '../output/format.js';
import { writeAsync } from '../output/io.js';
import type { Level } from '../cluster/log-format.js';
import { LEVELS, LineShaper, normalizeLevel } from '../cluster/log-format.js';
import { OPERATOR_DEPLOYMENT, runLogs } from '../cluster/logs.js';
import type { spec } from './logs.js';

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/;

export type LogsOptions = OptionsOf<typeof spec>;

/** Flag checks that need no I/O: the kubelet query. */
export function parseLogsQuery(opts: LogsOptions): LogQuery {
  const q: LogQuery = { follow: Boolean(opts.follow), previous: Boolean(opts.previous) };
  if (opts.previous && opts.follow) throw new UsageError('--previous cannot be combined with --follow', 'a previous container\'s log is complete; drop -f');
  if (opts.tail !== undefined) {
    if (!/^-?\d+$/.test(opts.tail) || Number(opts.tail) < -1) throw new UsageError(`invalid --tail "${opts.tail}"`, 'give a number of lines (0 or more), or -1 for all');
    q.tailLines = Number(opts.tail);
  }
  if (opts.since !== undefined && opts.sinceTime !== undefined) throw new UsageError('--since and --since-time cannot be used together', 'keep one of them');
  if (opts.since !== undefined) {
    const ms = parseDuration(opts.since);
    if (ms === undefined || ms <= 0) throw new UsageError(`invalid --since "${opts.since}"`, 'use a duration such as 30s, 10m or 1h');
    q.sinceSeconds = Math.max(1, Math.ceil(ms / 1000));
  }
  if (opts.sinceTime !== undefined) {
    if (!RFC3339.test(opts.sinceTime) || Number.isNaN(Date.parse(opts.sinceTime))) {
      throw new UsageError(`invalid --since-time "${opts.sinceTime}"`, 'use an RFC3339 time such as 2025-01-31T10:00:00Z');
    }
    q.sinceTime = new Date(opts.sinceTime).toISOString().replace('.000Z', 'Z');
  }
  return q;
}

export async function run(ctx: Context, _args: string[], opts: LogsOptions): Promise<number> {
  // -o json: NDJSON, one log entry per line; the lines carry no apiVersion/kind (docs/commands/logs.md).
  const json = outputFormat(opts, ['text', 'json'], 'text') === 'json';
  let minLevel: Level | undefined;
  if (opts.level !== undefined) {
    minLevel = normalizeLevel(opts.level);
    if (!minLevel) throw new UsageError(`unknown --level "${opts.level}"`, `use one of: ${LEVELS.join(', ')} (or warn)`);
  }
  const query = parseLogsQuery(opts);
  // JSON records carry the kubelet's timestamp, so ask for it.
  query.timestamps = Boolean(opts.timestamps) || json;

  const cluster = await ctx.cluster();
  const deployment = opts.operator ? OPERATOR_DEPLOYMENT : 'image-registry';
  const c = ctx.io.out;
  const palette = [c.cyan, c.magenta, c.yellow, c.green, c.blue, c.red];
  const colours = new Map<string, (s: string) => string>();

  await runLogs(cluster, {
    deployment,
    pod: opts.pod,
    container: opts.container,
    preferredContainer: opts.operator ? OPERATOR_DEPLOYMENT : 'registry',
    query,
    signal: ctx.signal,
    write: (s) => writeAsync(ctx.io.stdout, s),
    notice: (m) => ctx.log.info(ctx.io.err.dim(m)),
    debug: (m) => ctx.log.debug(m),
    open(initial: PodRef[]) {
      const prefixed = opts.prefix ?? (!opts.pod && (Boolean(opts.follow) || initial.length > 1));
      return (pod: PodRef, timestamps: boolean) => {
        let prefix: string | undefined;
        if (prefixed && !json) {
          let colour = colours.get(pod.name);
          if (!colour) colours.set(pod.name, (colour = palette[colours.size % palette.length]!));
          prefix = `${colour(`[${pod.name}]`)} `;
        }
        const shaper = new LineShaper({
          pod: pod.name,
          container: pod.container,
          prefix,
          minLevel,
          json,
          hasTimestamps: timestamps,
          showTimestamps: Boolean(opts.timestamps),
        });
        return {
          wholeLines: shaper.perLine || Boolean(prefix),
          shape: (block: string) => shaper.shape(block),
          write: (block: string) => {
            const s = shaper.shape(block);
            return s ? writeAsync(ctx.io.stdout, s) : Promise.resolve();
          },
        };
      };
    },
  });
  return ctx.signal.aborted ? EXIT.interrupted : EXIT.ok;
}
