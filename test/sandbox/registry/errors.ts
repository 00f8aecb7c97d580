// Distribution error codes (registry/api/errcode, registry/api/v2) used by the front.

export interface RegistryError {
  code: string;
  message: string;
  detail?: unknown;
}

export const E = {
  unauthorized: (detail: unknown): RegistryError => ({ code: 'UNAUTHORIZED', message: 'authentication required', detail }),
  denied: (detail?: unknown): RegistryError => ({ code: 'DENIED', message: 'requested access to the resource is denied', detail }),
  nameInvalid: (name: string): RegistryError => ({
    code: 'NAME_INVALID',
    message: 'invalid repository name',
    detail: `repository name "${name}" invalid: it must be of the format <project>/<name>`,
  }),
  nameUnknown: (name: string): RegistryError => ({ code: 'NAME_UNKNOWN', message: 'repository name not known to registry', detail: { name } }),
  manifestUnknown: (detail: unknown): RegistryError => ({ code: 'MANIFEST_UNKNOWN', message: 'manifest unknown', detail }),
  paginationInvalid: (n: string): RegistryError => ({ code: 'PAGINATION_NUMBER_INVALID', message: 'invalid number of results requested', detail: { n } }),
  unsupported: (): RegistryError => ({ code: 'UNSUPPORTED', message: 'The operation is unsupported.' }),
  unknown: (detail?: unknown): RegistryError => ({ code: 'UNKNOWN', message: 'unknown error', detail }),
  unavailable: (detail?: unknown): RegistryError => ({ code: 'UNAVAILABLE', message: 'service unavailable', detail }),
};

/** How logrus prints err.code: errcode.ErrorCode.Error() = lower case, spaces. */
export function logCode(code: string): string {
  return code.toLowerCase().replace(/_/g, ' ');
}
