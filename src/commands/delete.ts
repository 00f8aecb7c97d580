import { defineCommand } from './spec.js';
import { namespaceOption, outputOption, planOptions, removalRenderOptions } from './common.js';

export const FORMATS = ['table', 'json', 'yaml'] as const;

export const spec = defineCommand({
  name: 'delete',
  summary: 'delete image tags the OpenShift way (the ImageStreamTag)',
  description:
    'Delete image tags by deleting their ImageStreamTags through the API. The OpenShift registry refuses a manifest DELETE while an image stream references the image, so this is how an image is untagged; its layers are removed later by image pruning.\n' +
    'IMAGE is [HOST/]PROJECT/NAME:TAG, NAME:TAG in the current project, or …@DIGEST for every tag that points at that image. Deleting a tag that is already gone changes nothing and exits 0.',
  arguments: [{ name: 'image', description: 'image tags to delete', required: true, variadic: true }],
  options: {
    namespace: namespaceOption("the project of NAME:TAG arguments (default: the context's)"),
    dryRun: planOptions.dryRun,
    ...removalRenderOptions,
    output: outputOption(FORMATS, 'table', 'with --dry-run: table prints the plan, json|yaml the plan as data (kind Plan)'),
  },
  notes:
    "--dry-run=server checks each delete with a GET of the ImageStreamTag and a permission check, not with dryRun=All: openshift-apiserver's ImageStreamTag delete honours dryRun only on recent clusters (4.16+, May 2025 z-streams); older ones would really delete the tag.",
  examples: [
    'regctl delete team/app:v1',
    'regctl delete app:v1 app:v2 -n team --dry-run',
    'regctl delete team/app:v1 --dry-run=server -o yaml',
    'regctl delete team/app@sha256:0123…   # every tag pointing at it',
    'regctl delete team/app:v1 --render acm-policy --remediation enforce --output-dir policy/   # a mustnothave ImageStreamTag',
  ],
});

export const load = async () => (await import('./delete.run.js')).run;
