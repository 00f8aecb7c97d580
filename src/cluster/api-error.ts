/** A Kubernetes Status returned with a non-2xx answer. */
export interface StatusBody {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string; causes?: Array<{ reason?: string; message?: string; field?: string }> };
}

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly method: string,
    readonly path: string,
    readonly status: StatusBody,
  ) {
    super(status.message || `${method} ${path}: HTTP ${statusCode}`);
    this.name = 'ApiError';
  }

  /** Sent with a pod's in-cluster configuration (the service account's token). */
  inCluster?: boolean;

  get reason(): string {
    return this.status.reason ?? '';
  }
}

export function isApiError(e: unknown, code?: number): e is ApiError {
  return e instanceof ApiError && (code === undefined || e.statusCode === code);
}

/** Network-level failure reaching the API server. */
export class ConnectionError extends Error {
  constructor(
    readonly server: string,
    readonly code: string,
    message: string,
    /** The proxy the connection went through (scheme://host:port); kind says when the proxy leg itself failed. */
    readonly proxy?: { url: string; kind?: 'unreachable' | 'refused'; status?: string },
  ) {
    super(message);
    this.name = 'ConnectionError';
  }
}
