// A plan like `set-storage s3 …` makes: a new credentials secret, then one JSON patch of the registry Config.
import { R } from '../../../src/cluster/resources.js';
import { target, type Plan } from '../../../src/plan/types.js';

export const SECRET_VALUE = 'plan-unit-Sup3r/Secret+Key';
export const b64 = (s: string) => Buffer.from(s).toString('base64');

export function storagePlan(): Plan {
  return {
    name: 'set-storage-s3',
    command: 'regctl set-storage s3',
    steps: [
      {
        action: 'create',
        target: target(R.secret, 'image-registry-private-configuration-user', 'openshift-image-registry'),
        summary: 'create Secret openshift-image-registry/image-registry-private-configuration-user (keys REGISTRY_STORAGE_S3_ACCESSKEY, REGISTRY_STORAGE_S3_SECRETKEY)',
        object: {
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: { name: 'image-registry-private-configuration-user', namespace: 'openshift-image-registry' },
          type: 'Opaque',
          data: { REGISTRY_STORAGE_S3_ACCESSKEY: b64('AKIAUNIT'), REGISTRY_STORAGE_S3_SECRETKEY: b64(SECRET_VALUE) },
        },
      },
      {
        action: 'patch',
        target: target(R.registryConfig, 'cluster'),
        summary: 'patch configs.imageregistry.operator.openshift.io/cluster: add /spec/managementState, add /spec/storage',
        patchType: 'json',
        patch: [
          { op: 'add', path: '/spec/managementState', value: 'Managed' },
          { op: 'add', path: '/spec/storage', value: { s3: { bucket: 'b', region: 'r' } } },
        ],
      },
    ],
    checks: [{ name: 'registry Available', how: 'the operator reports Available=True for the new generation' }],
    warnings: [],
  };
}
