// The `dockerImageMetadata` openshift-apiserver fills for an imported schema 2 / OCI image, as the
// image.openshift.io/v1 API serialises it (docker10.DockerImage, apiVersion "1.0"). Read from
// openshift-apiserver pkg/image/apiserver/importer/image.go (schema2OrOCIToImage),
// pkg/image/apiserver/internal/imageutil/helpers.go (InternalImageWithMetadata) and
// pkg/image/apis/image/docker10/conversion.go (Convert_DockerImageConfig_to_image_DockerImage), and the types in
// openshift/api image/docker10/dockertypes.go. The type has `Architecture` but no OS, variant or OS version:
// the conversion drops the config's `os`, so a client that wants the OS reads it from the config itself
// (`dockerImageConfig`, returned when the import asks for `includeManifest`).

/** docker10.DockerConfig's JSON keys: anything else in a config's `config`/`container_config` is dropped. */
const DOCKER_CONFIG_KEYS = [
  'Hostname', 'Domainname', 'User', 'Memory', 'MemorySwap', 'CpuShares', 'Cpuset', 'AttachStdin', 'AttachStdout', 'AttachStderr',
  'PortSpecs', 'ExposedPorts', 'Tty', 'OpenStdin', 'StdinOnce', 'Env', 'Cmd', 'Dns', 'Image', 'Volumes', 'VolumesFrom', 'WorkingDir',
  'Entrypoint', 'NetworkDisabled', 'SecurityOpts', 'OnBuild', 'Labels',
];

/** Go's `omitempty`: false, 0, "", nil and empty slices/maps are left out. */
function empty(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v as object).length === 0;
  return false;
}

function dockerConfig(c: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!c || typeof c !== 'object') return out;
  for (const k of DOCKER_CONFIG_KEYS) {
    const v = (c as Record<string, unknown>)[k];
    if (!empty(v)) out[k] = v;
  }
  return out;
}

/** metav1.Time: RFC 3339 in UTC, whole seconds; the zero time is `null`. */
function metaTime(v: unknown): string | null {
  if (typeof v !== 'string' || !v) return null;
  const t = Date.parse(v);
  if (Number.isNaN(t) || t <= Date.parse('0001-01-01T00:00:00Z')) return null;
  return new Date(Math.floor(t / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface ManifestLike {
  config?: { digest?: string };
  layers?: Array<{ digest?: string; size?: number }>;
}

/**
 * dockerImageMetadata of a schema 2 or OCI image: `Id` is the config digest, `Size` the config's length plus
 * each distinct layer once. Only the fields docker10.DockerImage has; empty ones are omitted as Go does
 * (`ContainerConfig` is a struct, so always present; `Created` is `null` when the config has none).
 */
export function dockerImageMetadata(configBytes: Buffer, config: any, manifest: ManifestLike): Record<string, unknown> {
  const md: Record<string, unknown> = { kind: 'DockerImage', apiVersion: '1.0', Id: manifest.config?.digest ?? '' };
  for (const [key, src] of [['Parent', 'parent'], ['Comment', 'comment']] as const) if (!empty(config?.[src])) md[key] = config[src];
  md.Created = metaTime(config?.created);
  if (!empty(config?.container)) md.Container = config.container;
  md.ContainerConfig = dockerConfig(config?.container_config);
  if (!empty(config?.docker_version)) md.DockerVersion = config.docker_version;
  if (!empty(config?.author)) md.Author = config.author;
  if (config?.config && typeof config.config === 'object') md.Config = dockerConfig(config.config);
  if (!empty(config?.architecture)) md.Architecture = config.architecture;
  const seen = new Set<string>([manifest.config?.digest ?? '']);
  let size = configBytes.length;
  for (const l of manifest.layers ?? []) {
    if (!l.digest || seen.has(l.digest)) continue;
    seen.add(l.digest);
    size += Number(l.size ?? 0);
  }
  if (size) md.Size = size;
  return md;
}
