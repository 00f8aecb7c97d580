// The Image the registry hands to the API with a pushed manifest, as openshift/image-registry's
// manifestService.Put builds it (pkg/dockerregistry/server/manifestservice.go; the per-type handlers in
// pkg/dockerregistry/server/manifesthandler/): the manifest payload, the config blob, the layers in manifest order
// with their sizes and media types, and the annotations `openshift.io/image.managed`,
// `image.openshift.io/manifestBlobStored` and `image.openshift.io/dockerLayersOrder`. openshift-apiserver then fills
// dockerImageMetadata and drops the raw manifest and config before storing it (apiserver/image-strategy.ts).
// The front reads the manifest and config back from docker-registry after its PUT succeeded: the same bytes.
import http from 'node:http';

const MANIFEST_ACCEPT = [
  'application/vnd.docker.distribution.manifest.v2+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.v1+prettyjws',
].join(', ');

const LIST_TYPES = new Set(['application/vnd.docker.distribution.manifest.list.v2+json', 'application/vnd.oci.image.index.v1+json']);
const MAX_BYTES = 4 << 20;

function get(upstream: URL, agent: http.Agent, path: string, accept?: string): Promise<{ status: number; body: Buffer; type: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ hostname: upstream.hostname, port: upstream.port, path, agent, headers: accept ? { Accept: accept } : {}, timeout: 20_000 }, (res) => {
      const chunks: Buffer[] = [];
      let n = 0;
      res.on('data', (c: Buffer) => {
        n += c.length;
        if (n > MAX_BYTES) return req.destroy(new Error(`${path}: more than ${MAX_BYTES} bytes`));
        chunks.push(c);
      });
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), type: String(res.headers['content-type'] ?? '').split(';')[0]!.trim() }));
    });
    req.on('timeout', () => req.destroy(new Error(`${path}: timed out`)));
    req.on('error', reject);
  });
}

/** The ImageStreamMapping's `image` for repository `name` (`ns/stream`) and manifest `digest`, pushed as `mediaType`. */
export async function pushedImage(upstream: URL, agent: http.Agent, serverAddr: string, name: string, digest: string, mediaType: string | undefined): Promise<Record<string, unknown>> {
  const m = await get(upstream, agent, `/v2/${name}/manifests/${digest}`, MANIFEST_ACCEPT);
  if (m.status !== 200) throw new Error(`reading back manifest ${name}@${digest}: HTTP ${m.status}`);
  const manifest = JSON.parse(m.body.toString('utf8'));
  const type = manifest.mediaType || mediaType || m.type;
  const isList = LIST_TYPES.has(type);
  // Handler.Config: the config blob of schema 2 / OCI, nothing for lists (and schema 1, which has none).
  let config = '';
  if (!isList && manifest.config?.digest) {
    const c = await get(upstream, agent, `/v2/${name}/blobs/${manifest.config.digest}`);
    if (c.status !== 200) throw new Error(`reading back config ${name}@${manifest.config.digest}: HTTP ${c.status}`);
    config = c.body.toString('utf8');
  }
  // Handler.Layers: schema 2 / OCI layers in manifest order ("ascending"); lists have none and an empty order.
  const layers = isList ? [] : ((manifest.layers ?? []) as Array<{ digest: string; size: number; mediaType: string }>).map((l) => ({ name: l.digest, size: l.size, mediaType: l.mediaType }));
  const image: Record<string, unknown> = {
    metadata: {
      name: digest,
      annotations: {
        'openshift.io/image.managed': 'true',
        'image.openshift.io/manifestBlobStored': 'true',
        'image.openshift.io/dockerLayersOrder': isList ? '' : 'ascending',
      },
    },
    dockerImageReference: `${serverAddr}/${name}@${digest}`,
    dockerImageManifest: m.body.toString('utf8'),
    dockerImageManifestMediaType: type,
  };
  if (config) image.dockerImageConfig = config;
  if (layers.length) image.dockerImageLayers = layers;
  return image;
}
