import type { Context } from '../context.js';
import { defineCommand, type OptionsOf } from './spec.js';
import { outputFormat, outputOption } from './common.js';
import type { LogQuery, PodRef } from '../cluster/logs.js';

import { EXIT, UsageError } from '../errors.js';
import { parseDuration } from '../output/format.js';
import { writeAsync } from '../output/io.js';
import type { Level } from '../cluster/log-format.js';
import { LEVELS, LineShaper, normalizeLevel } from '../cluster/log-format.js';
import { OPERATOR_DEPLOYMENT, runLogs } from '../cluster/logs.js';

const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)$/;

export const spec = defineCommand({
  name: 'logs',
  summary: 'show (and follow) the logs of every registry pod, merged',
  description:
    'Show the logs of every pod of deployments/image-registry (selector read from the deployment),\n' +
    'merged, each line prefixed [pod]. With -f, follow them and pick up replacement pods during a\n' +
    'rollout until Ctrl-C. --operator shows the operator instead. The [pod] prefix is added when more\n' +
    'than one pod can appear (several pods, or -f without --pod); --prefix/--no-prefix override.',
  options: {
    follow: { flags: '-f, --follow', description: 'stream new lines; follow replacement pods during rollouts (until Ctrl-C)' },
    pod: { flags: '--pod <name>', description: 'only this pod (of openshift-image-registry)' },
    container: { flags: '-c, --container <name>', description: 'container name (default: registry / cluster-image-registry-operator)' },
    tail: { flags: '--tail <n>', description: "lines from the end of each pod's log (-1 = all)" },
    since: { flags: '--since <duration>', description: 'only lines newer than this, e.g. 10m, 1h' },
    sinceTime: { flags: '--since-time <time>', description: 'only lines since this RFC3339 time, e.g. 2025-01-31T10:00:00Z' },
    timestamps: { flags: '--timestamps', description: "prefix each line with the kubelet's RFC3339 timestamp" },
    previous: { flags: '-p, --previous', description: 'the log of the previous (crashed/restarted) container' },
    operator: { flags: '--operator', description: 'the logs of the cluster-image-registry-operator instead of the registry' },
    level: { flags: '--level <level>', description: 'only lines at this level or above: trace|debug|info|warn|error|fatal|panic' },
    prefix: { flags: '--prefix', description: 'always prefix lines with [pod]', negate: 'never prefix lines with [pod]' },
    output: outputOption(['text', 'json'], 'text', 'json: one object per line'),
  },
  examples: [
    'regctl logs',
    'regctl logs -f --level warn',
    'regctl logs --pod image-registry-5d8c9b7f4-abcde --tail 100 --timestamps',
    'regctl logs --since 1h -o json | jq -r \'select(.level=="error") | .msg\'',
    'regctl logs --operator -f',
  ],
});

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
