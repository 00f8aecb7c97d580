import { namespaceOption, outputOption } from './common.js';
import { defineCommand } from './spec.js';

export const USAGE_FORMATS = ['table', 'wide', 'json', 'yaml', 'openmetrics'] as const;

export const spec = defineCommand({
  name: 'usage',
  summary: 'stored bytes per project, image stream or image, shared layers counted once',
  description:
    "Where the registry's storage goes, from the API: the layers and config of every Image the registry manages (their sizes as the registry recorded them at push) and the images each image stream holds in its tag history. For each project, image stream or image: EXCLUSIVE (blobs no other one references), SHARED (blobs others reference too), TOTAL (its distinct blobs) and ATTRIBUTED (exclusive plus an even share of each shared blob), so the ATTRIBUTED column adds up exactly to the registry's distinct bytes. Reads every Image and ImageStream in pages: needs cluster-wide read access to images and image streams (cluster-reader).",
  options: {
    namespace: namespaceOption('show only this project (its streams, or the images they hold); shares are still computed over the whole registry'),
    by: { flags: '--by <unit>', description: 'what each row is: project, stream (image stream) or image', choices: ['project', 'stream', 'image'], default: 'project' },
    top: { flags: '--top <n>', description: 'only the N largest (by attributed bytes)' },
    all: { flags: '--all', description: 'also count images the registry does not manage (imported by reference: stored only if pulled through)' },
    output: outputOption(USAGE_FORMATS),
  },
  notes: `
Attribution: a blob referenced by k rows (units) is split into k parts of floor(size/k) bytes; the
size mod k bytes left over go one each to the first of those units in name order. Images that no
image stream holds are one more unit, "(no image stream)". Manifests are not counted (a few KiB
each; the API does not keep their size).`,
  examples: ['regctl usage', 'regctl usage --by stream -n myproject', 'regctl usage --by image --top 20', 'regctl usage -o openmetrics > /var/lib/node_exporter/textfile/registry_usage.prom'],
});

export const load = async () => (await import('./usage.run.js')).run;
