import { defineCommand } from './spec.js';
import { outputOption, planOptions } from './common.js';

export const SHOW_FORMATS = ['table', 'json', 'yaml'] as const;
export const CHANGE_FORMATS = ['table', 'json', 'yaml'] as const;
export const DEFAULT_TAIL = '20';

const SETTINGS_HELP = `
Settings (KEY=VALUE sets, KEY- removes the field so the operator's default applies):
  schedule                      cron schedule, UTC: 5 fields or @daily, @weekly… (empty: 0 0 * * *)
  suspend                       true | false (also regctl pruner suspend | resume)
  keepTagRevisions              revisions kept per tag, >= 0 (default 3)
  keepYoungerThanDuration       images younger than this are kept, e.g. 24h (default 60m)
  keepYoungerThan               deprecated: the same in nanoseconds (keepYoungerThanDuration wins); keepYoungerThan- drops it
  ignoreInvalidImageReferences  true | false
  successfulJobsHistoryLimit    finished Jobs kept, >= 0 (default 3)
  failedJobsHistoryLimit        failed Jobs kept, >= 0 (default 3)
  logLevel                      Normal | Debug | Trace | TraceAll
  resources.requests.NAME       a quantity, e.g. resources.requests.memory=512Mi
  resources.limits.NAME         a quantity, e.g. resources.limits.memory=2Gi
  resources                     @FILE.yaml: the whole requests/limits (replaces the default 100m CPU / 256Mi)
  nodeSelector                  LABEL=VALUE[,LABEL=VALUE…] (replaces the map; empty clears it)
  tolerations, affinity         @FILE.yaml (or @- for stdin): the value, or a fragment keyed by the name
Values are checked before anything is sent: the ImagePruner CRD schema, the CronJob schedule rules of the API
server and the limits of oc adm prune images; names and enum values in any case (debug → Debug). The operator
re-renders the CronJob openshift-image-registry/image-pruner; the next run uses the new settings.`;

export const showSpec = defineCommand({
  name: 'show',
  isDefault: true,
  summary: 'the pruner: settings, health, whether blobs are pruned, its jobs and the last log (the default)',
  description:
    'Show imagepruners.imageregistry.operator.openshift.io/cluster as the operator applies it (defaults filled in), its conditions, the CronJob openshift-image-registry/image-pruner with the next run, the last Jobs with their outcome, the log tail of the last finished one, and whether runs prune registry blobs or only metadata.',
  options: {
    tail: { flags: '--tail <lines>', description: `lines of the last job's log (0: none)`, default: DEFAULT_TAIL },
    output: outputOption(SHOW_FORMATS),
  },
  examples: ['regctl pruner', 'regctl pruner -o json | jq .registryPruning.blobs', 'regctl pruner --tail 100'],
});

export const setSpec = defineCommand({
  name: 'set',
  summary: 'change pruner settings, checked before anything is sent',
  description: 'Change settings of imagepruners.imageregistry.operator.openshift.io/cluster in one JSON patch. Idempotent: values already set send nothing.',
  arguments: [{ name: 'assignments', description: 'KEY=VALUE (or KEY- to remove)', required: true, variadic: true }],
  options: { ...planOptions, output: outputOption(CHANGE_FORMATS) },
  notes: SETTINGS_HELP,
  examples: [
    'regctl pruner set keepTagRevisions=5 keepYoungerThanDuration=24h',
    'regctl pruner set schedule="30 2 * * 6" logLevel=debug --dry-run',
    'regctl pruner set resources.limits.memory=2Gi',
    'regctl pruner set nodeSelector=node-role.kubernetes.io/infra= tolerations=@infra-tolerations.yaml',
    'regctl pruner set schedule-',
    'regctl pruner set keepTagRevisions=5 --render acm-policy --output-dir policies/',
  ],
});

export const suspendSpec = defineCommand({
  name: 'suspend',
  summary: 'stop scheduled pruner runs (spec.suspend: true)',
  description: 'Set spec.suspend true: the CronJob starts no more runs until `regctl pruner resume`. A run already going is not stopped.',
  options: { ...planOptions, output: outputOption(CHANGE_FORMATS) },
  examples: ['regctl pruner suspend', 'regctl pruner suspend --dry-run -o yaml', 'regctl pruner suspend --render manifests'],
});

export const resumeSpec = defineCommand({
  name: 'resume',
  summary: 'resume scheduled pruner runs (spec.suspend: false)',
  description: 'Set spec.suspend false: the CronJob runs at its schedule again. A run missed while suspended starts at once only when it was due less than an hour ago (startingDeadlineSeconds).',
  options: { ...planOptions, output: outputOption(CHANGE_FORMATS) },
  examples: ['regctl pruner resume'],
});

export const spec = defineCommand({
  name: 'pruner',
  summary: 'show and change the image pruner (schedule, retention, suspend), its jobs and their logs',
  description:
    'The image pruner the registry operator runs: imagepruners.imageregistry.operator.openshift.io/cluster and the CronJob openshift-image-registry/image-pruner (oc adm prune images). `regctl pruner` shows it.',
  examples: ['regctl pruner', 'regctl pruner set keepTagRevisions=5 keepYoungerThanDuration=24h', 'regctl pruner suspend', 'regctl pruner resume'],
  subcommands: [
    { spec: showSpec, load: async () => (await import('./pruner.run.js')).runShow },
    { spec: setSpec, load: async () => (await import('./pruner.run.js')).runSet },
    { spec: suspendSpec, load: async () => (await import('./pruner.run.js')).runSuspend },
    { spec: resumeSpec, load: async () => (await import('./pruner.run.js')).runResume },
  ],
});
