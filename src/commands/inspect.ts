import { defineCommand } from './spec.js';
import { namespaceOption, outputOption, registryOptions } from './common.js';

export const FORMATS = ['table', 'json', 'yaml'] as const;

export const spec = defineCommand({
  name: 'inspect',
  summary: 'show an image: digest, media type, size, layers, created, labels, platform',
  description:
    'Read an image from the registry API (like `skopeo inspect`): the manifest as served (its digest is the sha256 of those bytes), then the config blob. A manifest list or OCI index is listed with its platforms, and one platform (--platform, default linux/amd64) is resolved.\n' +
    'IMAGE is [HOST/]PROJECT/NAME[:TAG|@DIGEST] or NAME[:TAG] in the current project; the tag defaults to latest.',
  arguments: [{ name: 'image', description: 'image reference', required: true }],
  options: {
    raw: { flags: '--raw', description: 'print the manifest exactly as the registry served it (with --config: the config blob as served)' },
    config: { flags: '--config', description: 'print the image config (of the resolved platform for an index)' },
    platform: { flags: '--platform <os/arch[/variant]>', description: 'platform to resolve in a manifest list / OCI index (default linux/amd64)' },
    namespace: namespaceOption("the project of a one-segment IMAGE (default: the context's)"),
    ...registryOptions,
    output: outputOption(FORMATS),
  },
  examples: [
    'regctl inspect team/app:v1',
    'regctl inspect app -n team -o json | jq -r .digest',
    'regctl inspect team/app@sha256:0123… --raw | jq .',
    'regctl inspect team/multiarch:latest --platform linux/arm64',
    'regctl inspect --registry registry.apps.example.com team/app:v1 --config',
  ],
});

export const load = async () => (await import('./inspect.run.js')).run;
