// The SRC and DST forms of `regctl copy`, as skopeo names its transports: oci:DIR[:TAG], docker-archive:FILE,
// docker://HOST/REPO[:TAG|@DIGEST], and a bare PROJECT/NAME[:TAG] for the cluster's registry.
import { UsageError } from '../../errors.js';
import { assertOpenShiftRepository, isValidTag, parseReference, TAG_HINT, type ImageReference } from '../reference.js';

export type Endpoint =
  | { kind: 'oci'; dir: string; tag?: string; input: string }
  | { kind: 'docker-archive'; file: string; input: string }
  | { kind: 'registry'; ref: ImageReference; cluster: boolean; input: string };

export function parseEndpoint(input: string, what: 'source' | 'destination'): Endpoint {
  const s = input.trim();
  if (s.startsWith('containers-storage:')) {
    throw new UsageError(`containers-storage: is not a ${what} regctl can use (it has no access to podman's local storage)`, `push it with podman instead: \`podman push IMAGE docker://HOST/PROJECT/NAME:TAG\`, or \`podman save --format oci-archive\`/\`podman save -o FILE IMAGE\` and copy docker-archive:FILE`);
  }
  if (s.startsWith('oci:')) {
    let dir = s.slice(4);
    let tag: string | undefined;
    const i = dir.lastIndexOf(':');
    if (i >= 0 && !dir.slice(i + 1).includes('/')) {
      tag = dir.slice(i + 1);
      dir = dir.slice(0, i);
      if (!isValidTag(tag)) throw new UsageError(`invalid ${what} "${input}": "${tag}" is not a valid tag`, TAG_HINT);
    }
    if (!dir) throw new UsageError(`invalid ${what} "${input}": the directory is missing`, 'give oci:DIR or oci:DIR:TAG');
    return { kind: 'oci', dir, tag, input };
  }
  if (s.startsWith('docker-archive:')) {
    const file = s.slice('docker-archive:'.length);
    if (!file) throw new UsageError(`invalid ${what} "${input}": the file is missing`, 'give docker-archive:FILE (as `podman save` or `docker save` write it)');
    return { kind: 'docker-archive', file, input };
  }
  if (s.startsWith('docker://')) {
    const ref = parseReference(s, { what, example: 'docker://registry.example.com/team/app:1.0' });
    if (!ref.host) throw new UsageError(`invalid ${what} "${input}": docker:// needs a host`, `give docker://HOST/REPO[:TAG], or PROJECT/NAME[:TAG] for this cluster's registry`);
    return { kind: 'registry', ref, cluster: false, input };
  }
  const scheme = /^(dir|oci-archive|docker-daemon|sif|ostree):/.exec(s);
  if (scheme) {
    throw new UsageError(`regctl copy does not support the transport "${scheme[1]}:" in ${what} "${input}"`, 'use oci:DIR[:TAG], docker-archive:FILE, docker://HOST/REPO[:TAG] or PROJECT/NAME[:TAG]');
  }
  const ref = parseReference(s, { what, example: 'myproject/app:latest' });
  if (ref.host) return { kind: 'registry', ref, cluster: false, input };
  assertOpenShiftRepository(ref, input, what);
  return { kind: 'registry', ref, cluster: true, input };
}
