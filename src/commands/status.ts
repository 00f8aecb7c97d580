import { defineCommand } from './spec.js';
import { outputOption } from './common.js';

export const FORMATS = ['table', 'wide', 'json', 'yaml'] as const;

export const spec = defineCommand({
  name: 'status',
  summary: 'show the registry: health, storage, routes, pods, trusted CAs, pruner',
  description:
    'Show the integrated registry in one view: operator config and conditions, the ClusterOperator, the deployment and its pods, internal and external hosts, trusted CAs and the image pruner.\nExit code 0 when Available and not Degraded, 3 otherwise (the reason goes to stderr).',
  options: {
    watch: { flags: '-w, --watch', description: 're-render on every change (watch API) until Ctrl-C or --timeout' },
    timeout: { flags: '--timeout <duration>', description: 'with --watch: stop after this long (e.g. 5m)' },
    bundle: { flags: '--bundle <file>', description: 'also write a support bundle FILE.tar.gz: operator config (secrets redacted), conditions, events, pod log tails, routes, image.config, the doctor report' },
    output: outputOption(FORMATS),
  },
  examples: ['regctl status', 'regctl status -o json | jq .health', 'regctl status && ./deploy.sh', 'regctl status --watch --timeout 5m', 'regctl status --bundle registry-support.tar.gz'],
});

export const load = async () => (await import('./status.run.js')).run;
