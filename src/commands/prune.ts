import { outputOption, registryOptions } from './common.js';
import { defineCommand } from './spec.js';

const decideOptions = {
  keepTagRevisions: { flags: '--keep-tag-revisions <n>', description: 'revisions kept per tag (the newest N)', default: '3' },
  keepYoungerThan: { flags: '--keep-younger-than <duration>', description: 'keep images, tag revisions and streams younger than this', default: '60m' },
  all: { flags: '--all', description: 'consider every image (the default, as oc)', default: true, negate: 'consider only images pushed to the registry (openshift.io/image.managed=true)' },
  ignoreInvalidRefs: { flags: '--ignore-invalid-refs', description: 'skip workload image references that do not parse (such images may then be pruned although in use)' },
} as const;

const NOTES =
  'Decides as `oc adm prune images` does: stage 1 removes tag history entries older than the newest --keep-tag-revisions of each tag, unless younger than --keep-younger-than or in use; stage 2 deletes the Image objects no image stream references any more. "In use" means referenced by a pod (running, pending, or younger than --keep-younger-than), replication controller, deployment, deployment config, daemon set, stateful set, replica set, job, cron job, build or build config.\n' +
  'Reason codes: kept — in-use (who uses it), tag-revision (ns/stream:tag revision N), younger, stream-younger, not-managed; pruned — old-revision, unreferenced; history entries also image-missing.\n' +
  'Bytes freed: the blobs (layers, configs, manifests) that only pruned images reference; `prune apply --hard` frees them.';

export const planSpec = defineCommand({
  name: 'plan',
  summary: 'show what an image prune would delete, why each image stays or goes, and the bytes it frees',
  description: 'Compute the prune plan and change nothing: every image with its decision and reason code, the tag history entries and registry links to delete, and the bytes a hard prune then frees. -o json prints the whole plan (kind PrunePlan).',
  options: { ...decideOptions, output: outputOption(['table', 'wide', 'json', 'yaml'] as const) },
  notes: NOTES,
  examples: ['regctl prune plan', 'regctl prune plan --keep-tag-revisions 1 --keep-younger-than 24h', "regctl prune plan -o json | jq '.images[] | select(.decision==\"keep\") | [.name,.reason,.detail]'"],
});

export const applySpec = defineCommand({
  name: 'apply',
  summary: 'carry an image prune out (history entries, images, registry links; --hard frees the blobs)',
  description:
    'Compute the plan again and carry it out in order: tag history entries (with the layer and manifest links they held), then Image objects. Safe to run again after an interruption: what is gone is skipped, nothing is deleted twice.\n' +
    'With --hard the blobs are freed as the documented hard prune does it: the registry is set read-only (configs.imageregistry spec.readOnly, marked as regctl\'s), its pods roll out, `/usr/bin/dockerregistry -prune=delete` runs in one of them (pods/exec), and readOnly is set back to false — also after Ctrl-C; after a crash the next `prune` run finds the mark and restores it.',
  options: {
    ...decideOptions,
    yes: { flags: '-y, --yes', description: 'do not ask for confirmation (required when not interactive)' },
    maxDelete: { flags: '--max-delete <n>', description: 'stop after N deletions (tag history entries and images); run again to continue' },
    hard: { flags: '--hard', description: 'then free the blobs: registry read-only, its garbage collection, read-write again' },
    timeout: { flags: '--timeout <duration>', description: 'with --hard: how long to wait for the read-only rollout', default: '10m' },
    dryRun: { flags: '--dry-run', description: 'print the plan and change nothing (same as `prune plan`)' },
    output: outputOption(['table', 'json', 'yaml'] as const),
    ...registryOptions,
  },
  notes: NOTES,
  examples: ['regctl prune apply --yes', 'regctl prune apply --yes --max-delete 500   # in batches', 'regctl prune apply --yes --hard'],
});

export const spec = defineCommand({
  name: 'prune',
  summary: 'prune images as oc adm prune images does, with an exact plan first',
  description: 'Plan and carry out image pruning: `prune plan` says what would go, why, and how many bytes a hard prune frees; `prune apply` does it.',
  subcommands: [
    { spec: planSpec, load: async () => (await import('./prune.run.js')).runPlan },
    { spec: applySpec, load: async () => (await import('./prune.run.js')).runApply },
  ],
  examples: ['regctl prune plan', 'regctl prune apply --yes --hard'],
});
