import { defineCommand } from './spec.js';
import { namespaceOption, outputOption, planOptions } from './common.js';

export const FORMATS = ['table', 'json', 'yaml'] as const;

export const spec = defineCommand({
  name: 'import-image',
  summary: 'import an image (or every tag of a repository) into an image stream',
  description:
    'Import image metadata into an image stream with an ImageStreamImport, like `oc import-image`: the API server reads the source registry and points the stream\'s tags at the images it found. --reference-policy local makes pods pull through the integrated registry (other projects need no credentials for the source).\n' +
    'STREAM[:TAG]: the target (tag default latest). --from: the source image; without a host it is in the integrated registry (image-registry.openshift-image-registry.svc:5000). Without --from the stream\'s imported tags are re-imported.\n' +
    'Creating the stream, adding a tag or changing where a tag comes from needs --confirm.\n' +
    '--render writes the ImageStream\'s desired spec tags (what the image stream controller imports), not the one-shot ImageStreamImport; not with --all (a repository import has no per-tag desired state here).\n' +
    '--dry-run prints the plan (the ImageStreamImport it would send) and changes nothing. --dry-run=server does not send the import with dryRun=All (openshift-apiserver ignores it and would really import): it asks the server for its preview, the same ImageStreamImport with spec.import false, which writes nothing; with -o json|yaml the Plan then carries that answer as `preview` (kind ImageImportResult).',
  arguments: [{ name: 'stream', description: 'image stream NAME or NAME:TAG', required: true }],
  options: {
    from: { flags: '--from <ref>', description: 'source image: HOST/PATH[:TAG|@DIGEST] (with --all: HOST/PATH)' },
    all: { flags: '--all', description: 'import every tag of the --from repository (the server may cap the number)' },
    referencePolicy: { flags: '--reference-policy <policy>', description: "source (pull from the source registry) or local (pull through the integrated registry); default: the tag's current policy, else source" },
    confirm: { flags: '--confirm', description: "allow creating the stream, adding a tag or changing a tag's source" },
    insecure: { flags: '--insecure', description: 'let the server use HTTP or skip TLS verification for the source registry' },
    namespace: namespaceOption(),
    ...planOptions,
    dryRun: { ...planOptions.dryRun, description: "client (the default): print the plan and change nothing; --dry-run=server: the server's import preview (spec.import false; an ImageStreamImport ignores dryRun=All)" },
    render: { ...planOptions.render, description: "write the image stream's desired tags (spec.tags[].from, importPolicy, referencePolicy) for GitOps/ACM instead of importing: manifests, kustomize, acm-policy or argocd; the cluster's image stream controller imports them" },
    output: outputOption(FORMATS),
  },
  examples: [
    'regctl import-image myis:1.0 --from registry.example.com/myorg/myimage:1.0 --confirm',
    'regctl import-image myis --from registry.example.com/myorg/myimage --all --confirm',
    'regctl import-image myis --from registry.example.com/myorg/myimage --reference-policy local --confirm -n shared',
    "regctl import-image myis:1.0            # re-import from the tag's source",
    'regctl import-image myis --from team/app:v1 --confirm --dry-run',
    'regctl import-image myis --from team/app:v1 --dry-run=server -o json   # the plan and what the server would import',
    'regctl import-image myis:1.0 --from registry.example.com/myorg/myimage:1.0 --render manifests --output-dir out/',
  ],
});

export const load = async () => (await import('./import-image.run.js')).run;
