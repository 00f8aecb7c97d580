import { namespaceOption, outputOption, planOptions, registryOptions } from './common.js';
import { defineCommand } from './spec.js';

export const FORMATS = ['table', 'json', 'yaml'] as const;

export const spec = defineCommand({
  name: 'tag',
  summary: 'tag an image into image streams (like oc tag), or retag in another registry',
  description:
    'Set [PROJECT/]STREAM:TAG to an image, the OpenShift way: an ImageStreamTag whose source is the image SOURCE points at now (STREAM:TAG or STREAM@sha256:…, in this or another project), the tag itself with --alias (it then follows the source), or an external image (a reference with a registry host, or --source docker) that the cluster imports, re-checked periodically with --scheduled.\n' +
    'With a docker:// source and docker:// (same repository) or bare TAG destinations, tag in any registry instead: the manifest is read and stored under the new tags, no layer moves.\n' +
    'With -d, delete the tags given (as `regctl delete`). Tagging twice changes nothing the second time.',
  arguments: [
    { name: 'source', description: 'SOURCE image ([PROJECT/]STREAM:TAG, STREAM@sha256:…, HOST/REPO:TAG, docker://HOST/REPO:TAG); with -d the first tag to delete', required: true },
    { name: 'dest', description: 'destinations: [PROJECT/]STREAM:TAG (docker://HOST/REPO:TAG or TAG for a docker:// source)', variadic: true },
  ],
  options: {
    delete: { flags: '-d, --delete', description: 'delete the given tags [PROJECT/]STREAM:TAG…' },
    alias: { flags: '--alias', description: 'the destination follows the source tag (same image stream only)' },
    source: { flags: '--source <kind>', description: 'what SOURCE is: imagestreamtag|istag|imagestreamimage|isimage|docker|dockerimage (default: guessed as oc does)' },
    referencePolicy: { flags: '--reference-policy <policy>', description: "source (pull from where the image lives) or local (pull through the integrated registry)" },
    scheduled: { flags: '--scheduled', description: 'external images: re-import periodically' },
    insecure: { flags: '--insecure', description: 'external images: the source registry uses HTTP or an untrusted certificate' },
    namespace: namespaceOption('the project of STREAM:TAG arguments without one (default: the context\'s)'),
    output: outputOption(FORMATS),
    ...planOptions,
    ...registryOptions,
  },
  notes:
    'The registry flags (--authfile, --ca-file, --certs-dir, …) apply to docker:// retags only.\n' +
    '--dry-run prints the plan (the ImageStreamTag writes); --dry-run=server checks them with reads and permission checks: ImageStreamTag writes honour dryRun only on recent clusters (4.16+, May 2025 z-streams), older ones would really tag. ' +
    '--render writes the image streams with the spec tags regctl sets (not for docker:// retags); with -d only --render acm-policy, one mustnothave ImageStreamTag per tag as `regctl delete` renders them.',
  examples: [
    'regctl tag team/app:v1 team/app:stable',
    'regctl tag team/app:v1 shared/app:v1 qa/app:v1           # several destinations, other projects',
    'regctl tag team/app@sha256:0123… team/app:prod',
    'regctl tag --alias team/app:v2 team/app:latest             # latest follows v2',
    'regctl tag quay.io/org/tool:1 team/tool:1 --scheduled --reference-policy local',
    'regctl tag docker://registry.example.com/org/app:1.0 latest',
    'regctl tag -d team/app:old team/app:older',
    'regctl tag -d team/app:old --render acm-policy --remediation enforce --output-dir policy/   # a mustnothave ImageStreamTag',
    'regctl tag team/app:v1 team/app:prod --render manifests --output-dir gitops/   # for GitOps',
  ],
});

export const load = async () => (await import('./tag.run.js')).run;
