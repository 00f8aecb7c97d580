// The storage-driver calls the real registry makes for a request, as its metrics see them.
// openshift/image-registry wraps the distribution storage driver (pkg/dockerregistry/server/wrapped/storagedriver.go):
// every call is timed in imageregistry_storage_duration_seconds{operation="StorageDriver.<Call>"} and every failure
// but io.EOF / ErrUnsupportedMethod counts in imageregistry_storage_errors_total{operation, code}, code from
// pkg/dockerregistry/server/metrics/errorcodes.go. The sandbox stores through docker-registry, whose driver calls
// we cannot see, so this derives them from the request and its answer as distribution v3 makes them
// (registry/storage/linkedblobstore.go, blobstore.go, blobwriter.go): a lookup of something not stored yet fails
// with PathNotFoundError, so every normal push counts PATH_NOT_FOUND errors.
import type { RegistryMetrics } from './metrics.ts';

/** Codes of errorcodes.go; the operator alerts on READ_ONLY_FILESYSTEM and DEVICE_OUT_OF_SPACE (09-prometheus-rules.yaml). */
export type StorageErrorCode = 'PATH_NOT_FOUND' | 'INVALID_PATH' | 'INVALID_OFFSET' | 'UNSUPPORTED_METHOD' | 'READ_ONLY_FILESYSTEM' | 'FILE_TOO_LARGE' | 'DEVICE_OUT_OF_SPACE' | 'UNKNOWN';

/** A storage failure the sandbox can inject (errno EROFS / ENOSPC of the filesystem driver). */
export type StorageFault = 'READ_ONLY_FILESYSTEM' | 'DEVICE_OUT_OF_SPACE';

export interface DriverCall {
  op: string;
  code?: StorageErrorCode;
}

export type StorageRequest =
  | { kind: 'blob'; method: string }
  | { kind: 'upload'; method: string; newBlob: boolean }
  | { kind: 'manifest'; method: string; byDigest: boolean; newManifest: boolean };

const call = (name: string, code?: StorageErrorCode): DriverCall => (code ? { op: `StorageDriver.${name}`, code } : { op: `StorageDriver.${name}` });
const fileWriter = (name: string, code?: StorageErrorCode): DriverCall => (code ? { op: `FileWriter.${name}`, code } : { op: `FileWriter.${name}` });

/** The driver calls behind a request answered `status`. */
export function driverCalls(r: StorageRequest, status: number): DriverCall[] {
  const missing = status === 404;
  const failed = status >= 500;
  const m = r.method;
  if (r.kind === 'blob') {
    if (m === 'DELETE') return [call('GetContent', missing ? 'PATH_NOT_FOUND' : undefined), ...(missing ? [] : [call('Delete', failed ? 'UNKNOWN' : undefined)])];
    // Repository link (_layers/<digest>/link), then the global blob statter (blobdescriptorservice.go).
    if (missing) return [call('GetContent', 'PATH_NOT_FOUND'), call('Stat', 'PATH_NOT_FOUND')];
    return [call('GetContent'), call('Stat'), ...(m === 'GET' ? [call('Reader', failed ? 'UNKNOWN' : undefined)] : [])];
  }
  if (r.kind === 'upload') {
    if (m === 'POST') return [call('PutContent', failed ? 'UNKNOWN' : undefined)]; // _uploads/<id>/startedat
    if (m === 'DELETE') return [call('GetContent', missing ? 'PATH_NOT_FOUND' : undefined), ...(missing ? [] : [call('Delete')])];
    if (missing) return [call('GetContent', 'PATH_NOT_FOUND')];
    const resume = [call('GetContent'), call('Writer', failed && m === 'PATCH' ? 'UNKNOWN' : undefined)];
    if (m === 'PATCH') return [...resume, fileWriter('Write'), fileWriter('Close')];
    if (m !== 'PUT' || status >= 300) return resume;
    // Commit: validate the upload, then move it unless the blob is already stored, link it, remove the upload.
    const move = r.newBlob ? [call('Stat', 'PATH_NOT_FOUND'), call('Move')] : [call('Stat')];
    return [...resume, fileWriter('Commit'), call('Stat'), ...move, call('PutContent'), call('Delete')];
  }
  if (m === 'PUT') {
    if (status >= 300 && !failed) return [];
    // blobStore.Put stats the manifest blob first (absent for a new manifest), writes it, then the revision link.
    return [call('Stat', r.newManifest ? 'PATH_NOT_FOUND' : undefined), call('PutContent', failed ? 'UNKNOWN' : undefined), ...(failed ? [] : [call('PutContent')])];
  }
  if (m === 'DELETE') return !r.byDigest ? [] : missing ? [call('GetContent', 'PATH_NOT_FOUND')] : status === 202 ? [call('Delete')] : [];
  if (!r.byDigest && missing) return [];
  if (missing) return [call('GetContent', 'PATH_NOT_FOUND')];
  return [call('GetContent'), call('GetContent', failed ? 'UNKNOWN' : undefined)];
}

/** The first driver call that writes for a request, when it writes at all: where an injected fault fails. */
export function failingWrite(r: StorageRequest, fault: StorageFault): DriverCall | undefined {
  if (r.kind === 'upload' && r.method === 'POST') return call('PutContent', fault);
  if (r.kind === 'upload' && (r.method === 'PATCH' || r.method === 'PUT')) return call('Writer', fault);
  if (r.kind === 'manifest' && r.method === 'PUT') return call('PutContent', fault);
  return undefined;
}

/** Times each call (the request's storage time shared out) and counts the failed ones. */
export function recordDriverCalls(metrics: RegistryMetrics, calls: DriverCall[], seconds: number): void {
  const each = calls.length ? seconds / calls.length : 0;
  for (const c of calls) {
    metrics.storageDuration.observe(each, { operation: c.op });
    if (c.code) metrics.storageErrors.inc({ operation: c.op, code: c.code });
  }
}

/**
 * The answer of the real registry when the filesystem driver fails a write: distribution wraps the errno in
 * storagedriver.Error, the handlers answer 500 UNKNOWN "unknown error" with the error as detail.
 */
export function faultDetail(fault: StorageFault, repo: string): { DriverName: string; Enclosed: { Op: string; Path: string; Err: number } } {
  // The filesystem driver creates the parent directory first (os.MkdirAll); errno 30 EROFS, 28 ENOSPC.
  const Path = `/registry/docker/registry/v2/repositories/${repo}/_uploads`;
  return { DriverName: 'filesystem', Enclosed: { Op: 'mkdir', Path, Err: fault === 'READ_ONLY_FILESYSTEM' ? 30 : 28 } };
}
