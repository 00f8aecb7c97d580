import { defineCommand } from './spec.js';
import { INTERNAL_REGISTRY_HOST as INTERNAL_HOST, namespaceOption, outputOption } from './common.js';

export const FORMATS = ['table', 'wide', 'json'] as const;

export const spec = defineCommand({
  name: 'metrics',
  summary: "read the registry's Prometheus metrics: requests, latency, caches, errors; rates with --watch",
  description:
    'GET /extensions/v2/metrics with your token (Basic any-user:token), through the external route\n' +
    '(found like `regctl login`) or --internal the service host, and summarize it: requests by\n' +
    'method and code, in-flight, latency quantiles, digest-cache hit ratio, storage and pull-through\n' +
    'errors, build info. Needs get on image.openshift.io registry/metrics (`regctl grant metrics USER`).',
  options: {
    registry: { flags: '--registry <host>', description: 'registry host[:port] (default: discovered from the cluster)' },
    internal: { flags: '--internal', description: `use the in-cluster host ${INTERNAL_HOST}` },
    caFile: { flags: '--ca-file <file>', description: 'CA bundle (PEM) to verify the registry with' },
    insecureSkipTlsVerify: { flags: '--insecure-skip-tls-verify', description: 'do not verify the registry certificate (not recommended)' },
    serviceAccount: { flags: '-z, --service-account <name>', description: 'read with a short-lived token of this service account (TokenRequest)' },
    raw: { flags: '--raw', description: 'print the exposition as the registry sent it (Prometheus text format)' },
    filter: { flags: '--filter <prefix|regex>', description: 'only metric families whose name starts with PREFIX ([a-zA-Z0-9_:] only) or matches REGEX' },
    watch: { flags: '-w, --watch <interval>', description: 'scrape every INTERVAL (e.g. 5s) and print per-second rates until Ctrl-C' },
    count: { flags: '--count <n>', description: 'with --watch: stop after N reports' },
    namespace: namespaceOption("with --service-account: its namespace (default: the context's)"),
    output: outputOption(FORMATS),
  },
  examples: [
    'regctl metrics',
    'regctl metrics -o wide',
    'regctl metrics --watch 5s',
    'regctl metrics --filter imageregistry_storage',
    "regctl metrics --filter 'errors_total$' -o json | jq '.families[].samples'",
    'regctl metrics --raw | grep ^imageregistry_http_requests_total',
    'regctl metrics --internal --ca-file /var/run/secrets/kubernetes.io/serviceaccount/service-ca.crt   # in a pod',
  ],
});

export const load = async () => (await import('./metrics.run.js')).run;
