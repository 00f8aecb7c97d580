// A synthetic registry log of a given size, streamed without holding it: a pool of realistic logrus lines
// (the registry's "response completed" access lines, with some warnings and errors) repeated as 64 KiB
// slices of one buffer, cut at a line boundary, ending with a sentinel line the benchmark waits for.
import type { PodLogSource } from '../../test/sandbox/types.ts';
import { GO_VERSION, goDuration, logLine } from '../../test/sandbox/registry/logfmt.ts';

const CHUNK = 64 * 1024;

function pool(lines: number): Buffer {
  const out: string[] = [];
  const t0 = Date.parse('2026-01-01T00:00:00Z');
  for (let i = 0; i < lines; i++) {
    const repo = `team-${i % 23}/app-${i % 211}`;
    const digest = `sha256:${(i * 2654435761).toString(16).padStart(16, '0').repeat(4).slice(0, 64)}`;
    const blob = i % 3 !== 0;
    const fields = {
      'go.version': GO_VERSION,
      'http.request.host': 'image-registry.openshift-image-registry.svc:5000',
      'http.request.id': `${(i * 7919).toString(16).padStart(8, '0')}-2f0c-4a4e-9b1d-${(i * 104729).toString(16).padStart(12, '0').slice(-12)}`,
      'http.request.method': i % 17 === 0 ? 'PUT' : blob ? 'GET' : 'HEAD',
      'http.request.remoteaddr': `10.128.${i % 4}.${(i % 250) + 2}:${40000 + (i % 20000)}`,
      'http.request.uri': blob ? `/v2/${repo}/blobs/${digest}` : `/v2/${repo}/manifests/v${i % 9}.${i % 5}`,
      'http.request.useragent': i % 2 ? 'cri-o/1.30.4 go/go1.22.9 os/linux arch/amd64' : 'containers/5.31.1 (github.com/containers/image)',
      'http.response.contenttype': blob ? 'application/octet-stream' : 'application/vnd.oci.image.manifest.v1+json',
      'http.response.duration': goDuration(((i * 7) % 900) * 1e5 + 2e5),
      'http.response.status': i % 29 === 0 ? 404 : 200,
      'http.response.written': blob ? (i * 9973) % 30_000_000 : 1234 + (i % 400),
      'openshift.auth.user': `system:serviceaccount:team-${i % 23}:default`,
      'vars.name': repo,
      [blob ? 'vars.digest' : 'vars.reference']: blob ? digest : `v${i % 9}.${i % 5}`,
    };
    const at = new Date(t0 + i * 37);
    if (i % 101 === 0) out.push(logLine('warning', 'error authorizing context: authorization header required', { 'go.version': GO_VERSION, 'http.request.uri': `/v2/${repo}/manifests/latest` }, at));
    else if (i % 211 === 0) out.push(logLine('error', 'response completed with error', { ...fields, 'err.code': 'manifest unknown', 'err.message': 'manifest unknown', 'http.response.status': 404 }, at));
    else out.push(logLine('info', 'response completed', fields, at));
  }
  return Buffer.from(out.join('\n') + '\n');
}

export interface SyntheticLog {
  source: PodLogSource;
  /** Bytes the source produces, the sentinel line included. */
  bytes: number;
  sentinel: string;
}

/** About `total` bytes of whole registry log lines (never more), ending with the sentinel line. */
export function syntheticRegistryLog(total: number): SyntheticLog {
  const p = pool(8192);
  const sentinel = logLine('info', 'regctl-bench: end of synthetic log', { 'go.version': GO_VERSION });
  const tail = Buffer.from(sentinel + '\n');
  const body = Math.max(0, total - tail.length);
  const full = Math.floor(body / p.length);
  const rest = p.subarray(0, p.lastIndexOf(10, body - full * p.length - 1) + 1);
  const bytes = full * p.length + rest.length + tail.length;
  const source: PodLogSource = async function* () {
    for (let r = 0; r < full; r++) for (let off = 0; off < p.length; off += CHUNK) yield p.subarray(off, Math.min(p.length, off + CHUNK));
    for (let off = 0; off < rest.length; off += CHUNK) yield rest.subarray(off, Math.min(rest.length, off + CHUNK));
    yield tail;
  };
  return { source, bytes, sentinel };
}
