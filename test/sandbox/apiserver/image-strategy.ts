// What openshift-apiserver does to an Image before storing it (pkg/image/apiserver/registry/image/strategy.go
// PrepareForCreate → pkg/image/apiserver/internal/imageutil/helpers.go InternalImageWithMetadata): from the raw
// manifest and config the registry sent, fill dockerImageMetadata (Id = config digest, Size = config length + each
// distinct layer once), the layers when the registry sent none, dockerImageManifests of a list; then, when the
// registry says the manifest blob is in its storage (`image.openshift.io/manifestBlobStored: "true"`), drop the raw
// manifest and config so Image objects stay small.
import { dockerImageMetadata } from '../image-metadata.ts';

const LIST_TYPES = new Set(['application/vnd.docker.distribution.manifest.list.v2+json', 'application/vnd.oci.image.index.v1+json']);

const nowSeconds = () => new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Changes `image` in place; a manifest or config that does not parse leaves the metadata as sent (as upstream logs and goes on). */
export function prepareImageForCreate(image: Record<string, any>): void {
  const raw = typeof image.dockerImageManifest === 'string' ? image.dockerImageManifest : '';
  if (raw) {
    try {
      const manifest = JSON.parse(raw);
      const type = manifest.mediaType || image.dockerImageManifestMediaType || '';
      if (LIST_TYPES.has(type)) {
        image.dockerImageMetadata = { kind: 'DockerImage', apiVersion: '1.0', Id: image.metadata?.name, Created: nowSeconds(), ContainerConfig: {} };
        image.dockerImageManifests = ((manifest.manifests ?? []) as any[]).map((m) => ({
          digest: m.digest,
          mediaType: m.mediaType,
          manifestSize: m.size,
          architecture: m.platform?.architecture ?? '',
          os: m.platform?.os ?? '',
          ...(m.platform?.variant ? { variant: m.platform.variant } : {}),
        }));
      } else if (manifest.schemaVersion === 2) {
        image.dockerImageManifestMediaType = type || 'application/vnd.docker.distribution.manifest.v2+json';
        if (!image.dockerImageLayers?.length) {
          image.dockerImageLayers = ((manifest.layers ?? []) as any[]).map((l) => ({ name: l.digest, size: l.size, mediaType: l.mediaType }));
          image.metadata.annotations = { ...image.metadata.annotations, 'image.openshift.io/dockerLayersOrder': 'ascending' };
        }
        const configText = typeof image.dockerImageConfig === 'string' ? image.dockerImageConfig : '';
        if (configText) {
          // Size counts the layers the Image lists (the registry's), config length first.
          const layers = (image.dockerImageLayers as Array<{ name: string; size: number }>).map((l) => ({ digest: l.name, size: l.size }));
          image.dockerImageMetadata = dockerImageMetadata(Buffer.from(configText, 'utf8'), JSON.parse(configText), { config: manifest.config, layers });
        }
      }
      image.dockerImageMetadataVersion ??= '1.0';
    } catch {
      // utilruntime.HandleError: the image is stored without the metadata
    }
  }
  if (image.metadata?.annotations?.['image.openshift.io/manifestBlobStored'] === 'true') {
    delete image.dockerImageManifest;
    delete image.dockerImageConfig;
  }
}
