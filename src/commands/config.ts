import { defineCommand } from './spec.js';
import { outputOption, planOptions } from './common.js';

export const GET_FORMATS = ['yaml', 'json'] as const;
export const SET_FORMATS = ['table', 'json', 'yaml'] as const;
export const DEFAULT_TIMEOUT = '10m';

const SETTINGS_HELP = `
Settings (KEY=VALUE sets, KEY- removes):
  managementState            Managed | Unmanaged | Force | Removed (Removed needs --yes when storage is managed)
  replicas                   integer >= 0 (a ReadWriteOnce claim allows only 1, with rolloutStrategy=Recreate)
  storage.managementState    Managed | Unmanaged (whether the operator manages the storage; set storage with regctl set-storage)
  logLevel, operatorLogLevel Normal | Debug | Trace | TraceAll
  readOnly, disableRedirect  true | false
  rolloutStrategy            RollingUpdate | Recreate
  requests.read.maxRunning, requests.read.maxInQueue, requests.write.maxRunning, requests.write.maxInQueue   integer
  requests.read.maxWaitInQueue, requests.write.maxWaitInQueue   duration, e.g. 30s
  proxy.http, proxy.https, proxy.noProxy                          string
  nodeSelector               LABEL=VALUE[,LABEL=VALUE…]  (replaces the whole map; empty value clears it)
  tolerations, affinity, topologySpreadConstraints   @FILE.yaml (or @- for stdin): the value, or a fragment keyed by the name
Values are checked against the CRD schema before anything is sent; enum values in any case (debug → Debug).
defaultRoute and routes are set with regctl expose, storage with regctl set-storage (config get reads them).`;

export const getSpec = defineCommand({
  name: 'get',
  summary: 'print the configuration (spec), or the given settings',
  description: 'Print spec of configs.imageregistry.operator.openshift.io/cluster (httpSecret shown as REDACTED), or only the settings named as arguments.',
  arguments: [{ name: 'keys', description: 'settings to print, e.g. replicas proxy.http', variadic: true }],
  options: { output: outputOption(GET_FORMATS, 'yaml') },
  examples: ['regctl config get', 'regctl config get -o json | jq .replicas', 'regctl config get replicas rolloutStrategy'],
});

export const setSpec = defineCommand({
  name: 'set',
  summary: 'change settings, with pre-flight checks',
  description: 'Change settings in one JSON patch of configs.imageregistry.operator.openshift.io/cluster. Idempotent: unchanged values send nothing.',
  arguments: [{ name: 'assignments', description: 'KEY=VALUE (or KEY- to remove)', required: true, variadic: true }],
  options: {
    yes: { flags: '-y, --yes', description: 'confirm managementState=Removed' },
    wait: { flags: '--wait', description: "follow the operator's conditions until the registry is Available (exit 0) or fails (exit 3)" },
    timeout: { flags: '--timeout <duration>', description: `with --wait: give up after this long (default ${DEFAULT_TIMEOUT}, exit 124)` },
    ...planOptions,
    output: outputOption(SET_FORMATS),
  },
  notes: SETTINGS_HELP,
  examples: [
    'regctl config set replicas=2 logLevel=Debug',
    'regctl config set rolloutStrategy=Recreate replicas=1 --wait',
    'regctl config set proxy.https=http://proxy.corp:3128 proxy.noProxy=.cluster.local,.svc',
    'regctl config set nodeSelector=node-role.kubernetes.io/infra= tolerations=@infra-tolerations.yaml',
    'regctl config set requests.read.maxRunning=100 requests.read.maxWaitInQueue=60s --dry-run',
    'regctl config set proxy.http-',
  ],
});

export const spec = defineCommand({
  name: 'config',
  summary: 'show or change the operator configuration (replicas, log levels, proxy, placement, …)',
  description: 'Read and change the settings of configs.imageregistry.operator.openshift.io/cluster. Storage is set with `regctl set-storage`.',
  examples: ['regctl config get replicas', 'regctl config set replicas=3 logLevel=Debug --wait', 'regctl config set tolerations=@tolerations.yaml --dry-run'],
  subcommands: [
    { spec: getSpec, load: async () => (await import('./config.run.js')).runGet },
    { spec: setSpec, load: async () => (await import('./config.run.js')).runSet },
  ],
});
