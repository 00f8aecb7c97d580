import { defineCommand } from './spec.js';
import { outputOption } from './common.js';

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

export const load = async () => (await import('./logs.run.js')).run;
