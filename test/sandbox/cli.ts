// npm run sandbox -- --dir DIR [--profile aws|baremetal|degraded|no-registry] [--latency-ms N] [--error-rate R]
// Starts the sandbox, prints one `ready` line, and tears everything down on SIGINT/SIGTERM.
import { parseArgs } from 'node:util';
import path from 'node:path';
import { startSandbox } from './index.ts';
import { startFaultControl } from './fault-control.ts';
import { PROFILES, type ProfileName } from './profiles.ts';
import { INGRESS_CHAINS, type IngressChain } from './ingress-pki.ts';
import { CLUSTER_VERSIONS, DEFAULT_CLUSTER_VERSION, isClusterVersion } from './cluster-versions.ts';

function fail(msg: string): never {
  process.stderr.write(`error: ${msg}\n`);
  process.exit(2);
}

const { values } = parseArgs({
  options: {
    dir: { type: 'string' },
    profile: { type: 'string', default: 'aws' },
    'latency-ms': { type: 'string' },
    'api-latency': { type: 'string' },
    'error-rate': { type: 'string' },
    conflicts: { type: 'string' },
    'reset-rate': { type: 'string' },
    'throttle-rate': { type: 'string' },
    'api-down': { type: 'boolean' },
    'fault-control-port': { type: 'string' },
    'pod-start-ms': { type: 'string' },
    nodes: { type: 'string' },
    'api-via-proxy': { type: 'boolean' },
    'ingress-chain': { type: 'string', default: 'root' },
    'cluster-version': { type: 'string', default: DEFAULT_CLUSTER_VERSION },
    'seed-images': { type: 'string' },
    'seed-streams': { type: 'string' },
    clusters: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});

if (values.help) {
  process.stdout.write('usage: npm run sandbox -- --dir DIR [--profile aws|baremetal|degraded|no-registry] [--latency-ms N | --api-latency 50ms] [--error-rate R] [--conflicts N] [--reset-rate R] [--throttle-rate R] [--api-down] [--fault-control-port P] [--pod-start-ms N] [--nodes N] [--ingress-chain root|intermediate] [--api-via-proxy] [--cluster-version 4.17|4.14] [--clusters N [--profile P1,P2,…]] [--seed-images N [--seed-streams M]]\n');
  process.exit(0);
}
const dir = values.dir ?? path.join(process.cwd(), '.sandbox');
const profiles = values.profile!.split(',') as ProfileName[];
for (const p of profiles) if (!PROFILES.includes(p)) fail(`unknown profile "${p}" (one of ${PROFILES.join(', ')})`);
if (profiles.length > 1 && values.clusters === undefined) fail('a list of profiles needs --clusters N (cluster i gets the i-th, the last repeats)');
const profile = profiles[0]!;
const ingressChain = values['ingress-chain'] as IngressChain;
if (!INGRESS_CHAINS.includes(ingressChain)) fail(`unknown --ingress-chain "${values['ingress-chain']}" (one of ${INGRESS_CHAINS.join(', ')})`);
const clusterVersion = values['cluster-version']!;
if (!isClusterVersion(clusterVersion)) fail(`unknown --cluster-version "${clusterVersion}" (one of ${CLUSTER_VERSIONS.join(', ')})`);
const num = (name: string, v: string | undefined, max = Infinity): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > max) fail(`--${name} must be a number between 0 and ${max}`);
  return n;
};

// --api-latency 50ms|1s|50: the same delay as --latency-ms (every API response), as a duration.
if (values['api-latency'] !== undefined) {
  if (values['latency-ms'] !== undefined) fail('give --latency-ms or --api-latency, not both');
  const m = /^(\d+(?:\.\d+)?)(ms|s)?$/.exec(values['api-latency']);
  if (!m) fail(`invalid --api-latency "${values['api-latency']}" (a duration such as 50ms or 1s)`);
  values['latency-ms'] = String(Number(m[1]) * (m[2] === 's' ? 1000 : 1));
}

if (values.clusters !== undefined) {
  // N clusters in this process, one kubeconfig with contexts admin@cluster-1..N (test/sandbox/multi.ts); the fault flags are not applied.
  const n = num('clusters', values.clusters, 50)!;
  if (!Number.isInteger(n) || n < 1) fail('--clusters must be a whole number between 1 and 50');
  const options = { latencyMs: num('latency-ms', values['latency-ms']), errorRate: num('error-rate', values['error-rate'], 1), podStartMs: num('pod-start-ms', values['pod-start-ms']), nodes: num('nodes', values.nodes), clusterVersion };
  await (await import('./multi.ts')).serveClusters({ dir, n, profiles, options });
}
const sb = await startSandbox({
  dir,
  profile,
  latencyMs: num('latency-ms', values['latency-ms']),
  errorRate: num('error-rate', values['error-rate'], 1),
  podStartMs: num('pod-start-ms', values['pod-start-ms']),
  nodes: num('nodes', values.nodes),
  apiViaProxy: values['api-via-proxy'] === true,
  ingressChain,
  clusterVersion,
  seedImages: num('seed-images', values['seed-images'], 1_000_000),
  seedStreams: num('seed-streams', values['seed-streams'], 1_000_000),
});
if (sb.seeded) {
  const s = sb.seeded;
  process.stderr.write(`seeded ${s.images} images in ${s.streams} image streams (${s.projects.length} projects ${s.projects[0]}…), ${s.blobs} distinct blobs, ${s.bytes} bytes, ${s.sharedLayers} shared layers, ${s.deployments} deployments, ${s.cronJobs} cronjobs in ${s.ms} ms\n`);
}
// Faults that start on (the API server only serves once the sandbox is ready); change them later through the control endpoint.
const conflicts = num('conflicts', values.conflicts);
if (conflicts !== undefined && !Number.isInteger(conflicts)) fail('--conflicts must be a whole number');
Object.assign(sb.faults, {
  ...(conflicts !== undefined ? { conflicts } : {}),
  ...(values['reset-rate'] !== undefined ? { resetRate: num('reset-rate', values['reset-rate'], 1) } : {}),
  ...(values['throttle-rate'] !== undefined ? { throttleRate: num('throttle-rate', values['throttle-rate'], 1) } : {}),
  ...(values['api-down'] ? { down: true } : {}),
});
const control = await startFaultControl(sb.faults, num('fault-control-port', values['fault-control-port'], 65535));

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  process.stderr.write(`${signal}: stopping sandbox\n`);
  await control.close();
  await sb.stop();
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));
// Ready only once the signal handlers are in place: a SIGTERM right after the line must clean up, not kill.
process.stdout.write(`sandbox ready: profile=${profile} dir=${sb.dir} env=${sb.envPath} api=${sb.apiUrl} proxy=${sb.proxyUrl} faults=${control.url}/faults (source ${sb.envPath})\n`);
