// The CRD-schema validator used by `config set` and `set-storage` before anything is sent.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { specSchemaAt, validate, validateSpecField } from '../../src/cluster/config-schema.js';
import { CONFIG_SPEC_SCHEMA } from '../../src/cluster/config-schema-data.js';

// The copy of openshift/api's CRD that the sandbox's API server validates with.
const CRD = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../sandbox/data/openshift/crds/configs.imageregistry.operator.openshift.io.crd.yaml');

describe('schema data', () => {
  it('matches the spec schema of the real CRD (descriptions and list/map markers dropped)', () => {
    const crd = yaml.load(fs.readFileSync(CRD, 'utf8')) as any;
    const strip = (o: any): any => {
      if (typeof o !== 'object' || o === null) return o;
      if (Array.isArray(o)) return o.map(strip);
      const r: any = {};
      for (const [k, v] of Object.entries(o)) {
        if (['description', 'x-kubernetes-list-type', 'x-kubernetes-map-type', 'x-kubernetes-list-map-keys'].includes(k)) continue;
        r[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([pk, pv]) => [pk, strip(pv)])) : strip(v);
      }
      return r;
    };
    const spec = strip(crd.spec.versions[0].schema.openAPIV3Schema.properties.spec);
    expect(CONFIG_SPEC_SCHEMA.properties).toEqual(spec.properties);
    expect(CONFIG_SPEC_SCHEMA.required).toEqual(['replicas']);
  });
});

describe('validateSpecField', () => {
  it('accepts valid settings', () => {
    expect(validateSpecField(['logLevel'], 'Debug')).toEqual([]);
    expect(validateSpecField(['managementState'], 'Removed')).toEqual([]);
    expect(validateSpecField(['replicas'], 3)).toEqual([]);
    expect(validateSpecField(['rolloutStrategy'], 'Recreate')).toEqual([]);
    expect(validateSpecField(['requests', 'read', 'maxWaitInQueue'], '1m30s')).toEqual([]);
    expect(validateSpecField(['nodeSelector'], { 'node-role.kubernetes.io/infra': '' })).toEqual([]);
    expect(validateSpecField(['tolerations'], [{ key: 'infra', operator: 'Exists', effect: 'NoSchedule' }])).toEqual([]);
  });

  it('rejects enum, pattern, type and range violations with the field path', () => {
    expect(validateSpecField(['logLevel'], 'Verbose')).toEqual(['spec.logLevel: "Verbose" is not one of Normal, Debug, Trace, TraceAll']);
    expect(validateSpecField(['managementState'], 'managed')[0]).toMatch(/^spec\.managementState: "managed" does not match/);
    expect(validateSpecField(['rolloutStrategy'], 'Rolling')[0]).toMatch(/^spec\.rolloutStrategy: /);
    expect(validateSpecField(['replicas'], 1.5)).toEqual(['spec.replicas: 1.5 is not of type integer']);
    expect(validateSpecField(['replicas'], 2 ** 31)).toEqual([`spec.replicas: ${2 ** 31} is out of the int32 range`]);
    expect(validateSpecField(['readOnly'], 'yes')).toEqual(['spec.readOnly: "yes" is not of type boolean']);
    expect(validateSpecField(['requests', 'write', 'maxWaitInQueue'], 'soon')[0]).toMatch(/is not a duration/);
    expect(validateSpecField(['nodeSelector'], { a: 1 })).toEqual(['spec.nodeSelector.a: 1 is not of type string']);
  });

  it('rejects unknown fields instead of letting the API server prune them', () => {
    expect(validateSpecField(['tolerations'], [{ key: 'a', operater: 'Exists' }])[0]).toMatch(/^spec\.tolerations\[0\]\.operater: unknown field/);
    expect(validateSpecField(['nosuch'], 1)).toEqual(['spec.nosuch: not a field of the registry configuration']);
  });

  it('checks required fields in nested objects', () => {
    const errs = validateSpecField(['topologySpreadConstraints'], [{ maxSkew: 1, topologyKey: 'zone' }]);
    expect(errs).toEqual(['spec.topologySpreadConstraints[0].whenUnsatisfiable: required']);
  });

  it('validates storage fields (s3 chunk size, azure container pattern, ibmcos CRNs)', () => {
    expect(validateSpecField(['storage'], { s3: { bucket: 'b', region: 'r', chunkSizeMiB: 4 } })).toEqual(['spec.storage.s3.chunkSizeMiB: must be at least 5']);
    expect(validateSpecField(['storage'], { azure: { accountName: 'a', container: 'Bad_Name' } })[0]).toMatch(/spec\.storage\.azure\.container: "Bad_Name" does not match/);
    expect(validateSpecField(['storage'], { ibmcos: { bucket: 'b', resourceKeyCRN: 'nope' } })[0]).toMatch(/resourceKeyCRN/);
    expect(validateSpecField(['storage'], { managementState: 'Removed', emptyDir: {} })[0]).toMatch(/spec\.storage\.managementState/);
    expect(validateSpecField(['storage'], { pvc: { claim: 'x' }, managementState: 'Unmanaged' })).toEqual([]);
  });

  it('evaluates the CEL rule on azure networkAccess', () => {
    const ok = { azure: { networkAccess: { type: 'Internal', internal: { vnetName: 'vnet1' } } } };
    const bad = { azure: { networkAccess: { type: 'External', internal: { vnetName: 'vnet1' } } } };
    expect(validateSpecField(['storage'], ok)).toEqual([]);
    expect(validateSpecField(['storage'], bad)).toEqual(['spec.storage.azure.networkAccess: internal is forbidden when type is not Internal']);
  });

  it('handles int-or-string quantities (resources) and anyOf/not (oss encryption)', () => {
    expect(validateSpecField(['resources'], { requests: { cpu: '100m', memory: 256 } })).toEqual([]);
    expect(validateSpecField(['resources'], { requests: { cpu: 'lots' } })[0]).toMatch(/spec\.resources\.requests\.cpu/);
    expect(validateSpecField(['storage'], { oss: { encryption: { method: 'KMS' } } }).join()).toMatch(/alternatives|required/);
    expect(validateSpecField(['storage'], { oss: { encryption: { method: 'KMS', kms: { keyID: 'k' } } } })).toEqual([]);
  });

  it('finds sub-schemas by path, including map values', () => {
    expect(specSchemaAt(['requests', 'read', 'maxRunning'])?.type).toBe('integer');
    expect(specSchemaAt(['nodeSelector', 'any-label'])?.type).toBe('string');
    expect(specSchemaAt(['proxy', 'nope'])).toBeUndefined();
  });

  it('null is refused unless nullable', () => {
    expect(validate(null, { type: 'string' }, 'x')).toEqual(['x: must not be null']);
    expect(validate(null, { type: 'object', nullable: true }, 'x')).toEqual([]);
  });
});
