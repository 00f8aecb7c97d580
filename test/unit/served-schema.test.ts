// checkServed over the real CRDs the sandbox serves: openshift/api release-4.14 and the current one.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { checkServed, prunedPaths, specSchemaOfCrd, type ServedSchema } from '../../src/cluster/served-schema.js';

const CRDS = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'sandbox', 'data', 'openshift', 'crds');
const load = (f: string) => specSchemaOfCrd(yaml.load(fs.readFileSync(path.join(CRDS, f), 'utf8')) as any)!;
const v414: ServedSchema = { spec: load('4.14/configs.imageregistry.operator.openshift.io.crd.yaml'), cluster: 'OpenShift 4.14.38' };
const current: ServedSchema = { spec: load('configs.imageregistry.operator.openshift.io.crd.yaml'), cluster: 'OpenShift 4.17.12' };
const s3 = { bucket: 'b', region: 'us-east-1', chunkSizeMiB: 10 };
const affinity = { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', matchLabelKeys: ['pod-template-hash'] }] } };

describe('checkServed', () => {
  it('4.14: s3.chunkSizeMiB and matchLabelKeys would be dropped', () => {
    expect(checkServed(['storage'], { s3 }, v414)).toEqual([
      { field: 'spec.storage.s3.chunkSizeMiB', message: expect.stringMatching(/^spec\.storage\.s3\.chunkSizeMiB: OpenShift 4\.14\.38 does not have this field .*silently drop it$/) },
    ]);
    expect(checkServed(['affinity'], affinity, v414).map((p) => p.field)).toEqual(['spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].matchLabelKeys']);
  });

  it('the current CRD keeps them', () => {
    expect(checkServed(['storage'], { s3 }, current)).toEqual([]);
    expect(checkServed(['affinity'], affinity, current)).toEqual([]);
  });

  it('a setting the served schema lacks entirely is named at its own path', () => {
    expect(checkServed(['noSuchSetting', 'x'], 1, v414).map((p) => p.field)).toEqual(['spec.noSuchSetting']);
  });

  it('values the served schema refuses are reported with the cluster', () => {
    expect(checkServed(['replicas'], -1.5, v414).map((p) => p.message)).toEqual([expect.stringMatching(/^spec\.replicas: .*\(OpenShift 4\.14\.38\)$/)]);
  });

  it('nothing to say without a served schema or a value', () => {
    expect(checkServed(['storage'], { s3 }, { cluster: 'this cluster' })).toEqual([]);
    expect(checkServed(['affinity'], undefined, v414)).toEqual([]);
  });
});

describe('prunedPaths', () => {
  it('follows properties, items and additionalProperties; keeps preserve-unknown-fields subtrees', () => {
    const schema = {
      type: 'object' as const,
      properties: {
        a: { type: 'array' as const, items: { type: 'object' as const, properties: { k: { type: 'string' as const } } } },
        m: { type: 'object' as const, additionalProperties: { type: 'object' as const, properties: { v: { type: 'string' as const } } } },
        free: { type: 'object' as const, 'x-kubernetes-preserve-unknown-fields': true },
      },
    };
    expect(prunedPaths({ a: [{ k: 'x', extra: 1 }], m: { one: { v: 'x', w: 2 } }, free: { anything: 1 }, top: true }, schema, 'spec')).toEqual([
      'spec.a[0].extra',
      'spec.m.one.w',
      'spec.top',
    ]);
  });
});
