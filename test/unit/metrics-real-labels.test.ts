// regctl's metrics parser and summary over real label values: those openshift/image-registry's integration test
// expects on /extensions/v2/metrics, its storage error codes and driver operation names, and the operator's alert
// rules (test/fixtures/real/image-registry-metrics, sources in test/fixtures/real/README.md).
import fs from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import yaml from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from '../../src/metrics/parse.js';
import { classifyStorageErrors, STORAGE_ALERTS, storageErrorKind, summarize } from '../../src/metrics/summary.js';
import { renderSummary } from '../../src/metrics/render.js';
import { createIO } from '../../src/output/io.js';

const DIR = path.join(import.meta.dirname, '../fixtures/real/image-registry-metrics');
const labels = JSON.parse(fs.readFileSync(path.join(DIR, 'image-registry-labels.json'), 'utf8')) as {
  expectedAfterPullthroughBlobGet: Array<{ name: string; values: string[] }>;
  storageErrorCodes: string[];
  storageOperations: string[];
};
const rules = yaml.load(fs.readFileSync(path.join(DIR, '09-prometheus-rules.yaml'), 'utf8')) as any;

/** An exposition holding one series per expected metric, labelled with exactly the real label values. */
function exposition(extra: string[] = []): string {
  const lines: string[] = [];
  for (const m of labels.expectedAfterPullthroughBlobGet) {
    const l = m.values.join(',');
    if (m.name.endsWith('_total')) lines.push(`# TYPE ${m.name} counter`, `${m.name}{${l}} 1`);
    else {
      lines.push(`# TYPE ${m.name} summary`, `${m.name}{${l},quantile="0.5"} 0.001`, `${m.name}_sum{${l}} 0.002`, `${m.name}_count{${l}} 2`);
    }
  }
  return [...lines, ...extra].join('\n') + '\n';
}

const io = () => createIO({ stdout: { write: () => true }, stderr: { write: () => true }, stdin: new PassThrough() as never, env: { NO_COLOR: '1' }, noColor: true });

describe('metrics summary over image-registry label values', () => {
  it('a Stat PATH_NOT_FOUND (what a lookup of an absent blob counts) is normal, not a storage problem', () => {
    const s = summarize(parsePrometheusText(exposition()));
    expect(s.storageErrors).toEqual({
      total: 1,
      problems: 0,
      normal: 1,
      alerts: [],
      series: [{ operation: 'StorageDriver.Stat', code: 'PATH_NOT_FOUND', count: 1, kind: 'normal' }],
    });
    expect(s.pullthroughErrors.series).toEqual([{ registry: '', operation: 'BlobStore.Stat', code: 'UNAUTHORIZED', count: 1 }]);
    expect(s.pullthroughCache).toEqual({ hits: 0, misses: 1, hitRatio: 0 });
    const text = renderSummary(io(), s, 'https://r/extensions/v2/metrics', false);
    expect(text).toMatch(/^Storage errors +0 \(1 PATH_NOT_FOUND: normal\)$/m);
    expect(text).not.toMatch(/^OPERATION/m);
  });

  it('flags exactly the codes the operator alerts on, with the alert names of its PrometheusRule', () => {
    const fromRules = new Map<string, string>();
    for (const g of rules.spec.groups) {
      for (const r of g.rules) {
        const code = /imageregistry_storage_errors_total\{code="([A-Z_]+)"\}/.exec(r.expr)?.[1];
        if (code) fromRules.set(code, r.alert);
      }
    }
    expect(fromRules.size).toBeGreaterThan(0);
    expect(Object.fromEntries(fromRules)).toEqual(STORAGE_ALERTS);
    for (const code of labels.storageErrorCodes) {
      expect(storageErrorKind(code)).toBe(code === 'PATH_NOT_FOUND' ? 'normal' : fromRules.has(code) ? 'alert' : 'error');
    }
  });

  it('every real code on every real driver operation: the alerting ones are named, the rest counted as failures', () => {
    // The family is already in the exposition: add series to it instead of a second group.
    const base = exposition().split('\n');
    const at = base.findIndex((l) => l.startsWith('imageregistry_storage_errors_total{'));
    const series = labels.storageOperations.flatMap((op) => labels.storageErrorCodes.map((code) => `imageregistry_storage_errors_total{operation="${op}",code="${code}"} 2`));
    base.splice(at + 1, 0, ...series);
    const s = summarize(parsePrometheusText(base.join('\n')));
    const ops = labels.storageOperations.length;
    const codes = labels.storageErrorCodes.length;
    expect(s.storageErrors.total).toBe(1 + ops * codes * 2);
    expect(s.storageErrors.normal).toBe(1 + ops * 2);
    expect(s.storageErrors.problems).toBe(ops * (codes - 1) * 2);
    expect(s.storageErrors.alerts).toEqual(
      Object.entries(STORAGE_ALERTS)
        .map(([code, alert]) => ({ alert, code, count: ops * 2 }))
        .sort((a, b) => (a.alert < b.alert ? -1 : 1)),
    );
    const text = renderSummary(io(), s, 'https://r/extensions/v2/metrics', false);
    expect(text).toMatch(/^Storage errors +\d+ — operator alert ImageRegistryStorageFull \(DEVICE_OUT_OF_SPACE\), ImageRegistryStorageReadOnly \(READ_ONLY_FILESYSTEM\) \(\d+ PATH_NOT_FOUND: normal\)$/m);
    expect(text).toMatch(/^StorageDriver\.Writer +READ_ONLY_FILESYSTEM +2 +operator alert ImageRegistryStorageReadOnly$/m);
  });

  it('classifies rows without a summary around them', () => {
    expect(classifyStorageErrors([{ operation: 'StorageDriver.PutContent', code: 'DEVICE_OUT_OF_SPACE', count: 0 }]).alerts).toEqual([]);
  });
});
