import { describe, expect, it } from 'vitest';
import { parsePrometheusText } from '../../src/metrics/parse.js';
import { histogramQuantile, summarize } from '../../src/metrics/summary.js';
import { increase, seriesKey, seriesRates, summarizeRates } from '../../src/metrics/rates.js';
import { filterFamilies, filterRaw, makeFilter } from '../../src/metrics/filter.js';
import { UsageError } from '../../src/errors.js';

function scrape(requests: Record<string, number>, extra = ''): string {
  const reqLines = Object.entries(requests).filter(([k]) => k.includes(" ")).map(([k, v]) => {
    const [method, code] = k.split(' ');
    return `imageregistry_http_requests_total{code="${code}",method="${method}"} ${v}`;
  });
  return `# HELP imageregistry_build_info x
# TYPE imageregistry_build_info gauge
imageregistry_build_info{gitCommit="d4cce00",gitVersion="v4.17.0",major="4",minor="17"} 1
# TYPE imageregistry_digest_cache_requests_total counter
imageregistry_digest_cache_requests_total{type="Hit"} ${requests.hit ?? 5}
imageregistry_digest_cache_requests_total{type="Miss"} ${requests.miss ?? 15}
# TYPE imageregistry_http_in_flight_requests gauge
imageregistry_http_in_flight_requests 2
# TYPE imageregistry_http_request_duration_seconds summary
imageregistry_http_request_duration_seconds{method="get",quantile="0.5"} 0.01
imageregistry_http_request_duration_seconds{method="get",quantile="0.9"} 0.02
imageregistry_http_request_duration_seconds{method="get",quantile="0.99"} NaN
imageregistry_http_request_duration_seconds_sum{method="get"} ${requests.sum ?? 2}
imageregistry_http_request_duration_seconds_count{method="get"} ${requests.count ?? 100}
# TYPE imageregistry_http_requests_total counter
${reqLines.join('\n')}
# TYPE imageregistry_storage_errors_total counter
imageregistry_storage_errors_total{code="PATH_NOT_FOUND",operation="GetContent"} ${requests.storageErr ?? 3}
# TYPE imageregistry_pullthrough_repository_errors_total counter
imageregistry_pullthrough_repository_errors_total{code="UNAUTHORIZED",operation="Get",registry="quay.io"} 1
${extra}`;
}

describe('summarize', () => {
  it('computes the registry view', () => {
    const s = summarize(parsePrometheusText(scrape({ 'get 200': 90, 'get 404': 10, 'put 201': 4 })));
    expect(s.buildInfo).toEqual({ gitCommit: 'd4cce00', gitVersion: 'v4.17.0', major: '4', minor: '17' });
    expect(s.inFlight).toBe(2);
    expect(s.requests.total).toBe(104);
    expect(s.requests.byMethodCode).toEqual([
      { method: 'get', code: '200', count: 90 },
      { method: 'get', code: '404', count: 10 },
      { method: 'put', code: '201', count: 4 },
    ]);
    expect(s.latency).toHaveLength(1);
    expect(s.latency[0]!.key).toBe('get');
    expect(s.latency[0]!.count).toBe(100);
    expect(s.latency[0]!.meanSeconds).toBeCloseTo(0.02);
    expect(s.latency[0]!.quantiles['0.5']).toBe(0.01);
    expect(s.latency[0]!.quantiles['0.99']).toBeNaN();
    expect(s.digestCache).toEqual({ hits: 5, misses: 15, hitRatio: 0.25 });
    expect(s.storageErrors).toEqual({ total: 3, problems: 0, normal: 3, alerts: [], series: [{ operation: 'GetContent', code: 'PATH_NOT_FOUND', count: 3, kind: 'normal' }] });
    expect(s.pullthroughErrors.total).toBe(1);
    expect(s.blobDescriptorCache).toBeNull();
  });

  it('is empty but valid for an exposition without registry families', () => {
    const s = summarize(parsePrometheusText('go_goroutines 12\n'));
    expect(s.buildInfo).toBeNull();
    expect(s.inFlight).toBeNull();
    expect(s.requests).toEqual({ total: 0, byMethodCode: [] });
    expect(s.digestCache).toBeNull();
  });

  it('reads storage action latency from the distribution histogram', () => {
    const s = summarize(
      parsePrometheusText(`# TYPE registry_storage_action_seconds histogram
registry_storage_action_seconds_bucket{action="Stat",driver="filesystem",le="0.1"} 50
registry_storage_action_seconds_bucket{action="Stat",driver="filesystem",le="0.2"} 100
registry_storage_action_seconds_bucket{action="Stat",driver="filesystem",le="+Inf"} 100
registry_storage_action_seconds_sum{action="Stat",driver="filesystem"} 9
registry_storage_action_seconds_count{action="Stat",driver="filesystem"} 100
`),
    );
    expect(s.storageActions).toHaveLength(1);
    expect(s.storageActions[0]).toMatchObject({ driver: 'filesystem', action: 'Stat', count: 100 });
    expect(s.storageActions[0]!.p50).toBeCloseTo(0.1);
    expect(s.storageActions[0]!.p90).toBeCloseTo(0.18);
  });
});

describe('histogramQuantile', () => {
  const b = [
    { le: 1, count: 10 },
    { le: 2, count: 30 },
    { le: 4, count: 40 },
    { le: Infinity, count: 50 },
  ];
  it('interpolates inside the bucket (first bucket from 0)', () => {
    expect(histogramQuantile(0.1, b)).toBeCloseTo(0.5);
    expect(histogramQuantile(0.4, b)).toBeCloseTo(1.5);
    expect(histogramQuantile(0.7, b)).toBeCloseTo(3);
  });
  it('answers the last finite bound for ranks in +Inf, null without observations or +Inf bucket', () => {
    expect(histogramQuantile(0.99, b)).toBe(4);
    expect(histogramQuantile(0.5, [{ le: 1, count: 0 }, { le: Infinity, count: 0 }])).toBeNull();
    expect(histogramQuantile(0.5, [{ le: 1, count: 3 }])).toBeNull();
  });
});

describe('rates', () => {
  it('handles counter resets and new series like Prometheus', () => {
    expect(increase(10, 15)).toBe(5);
    expect(increase(10, 3)).toBe(3);
    expect(increase(undefined, 4)).toBe(4);
    expect(increase(NaN, 4)).toBeNaN();
  });

  it('identifies series by name and sorted labels', () => {
    expect(seriesKey({ name: 'm', labels: { b: '2', a: '1' }, value: 0 })).toBe('m{a="1",b="2"}');
    expect(seriesKey({ name: 'm', labels: {}, value: 0 })).toBe('m');
  });

  it('summarizes per-second rates between two scrapes', () => {
    const a = parsePrometheusText(scrape({ 'get 200': 90, 'get 404': 10 }));
    const b = parsePrometheusText(scrape({ 'get 200': 110, 'get 404': 10, 'put 201': 5, hit: 15, miss: 15, count: 120, sum: 3, storageErr: 3 }));
    const r = summarizeRates(a, b, 5);
    expect(r.intervalSeconds).toBe(5);
    expect(r.requests.byMethodCode).toEqual([
      { method: 'get', code: '200', perSecond: 4 },
      { method: 'get', code: '404', perSecond: 0 },
      { method: 'put', code: '201', perSecond: 1 },
    ]);
    expect(r.requests.perSecond).toBe(5);
    expect(r.latency[0]).toMatchObject({ method: 'get', perSecond: 4 });
    expect(r.latency[0]!.meanSeconds).toBeCloseTo(0.05);
    expect(r.digestCache).toEqual({ lookupsPerSecond: 2, hitRatio: 1 });
    expect(r.storageErrorsPerSecond).toBe(0);
    expect(r.inFlight).toBe(2);
  });

  it('rates every cumulative series, not gauges', () => {
    const a = parsePrometheusText('# TYPE c counter\nc 1\n# TYPE g gauge\ng 5\n');
    const b = parsePrometheusText('# TYPE c counter\nc 11\n# TYPE g gauge\ng 7\n');
    const r = seriesRates(a, b, 2);
    expect(r.find((x) => x.name === 'c')!.perSecond).toBe(5);
    expect(r.find((x) => x.name === 'g')!.perSecond).toBeNull();
  });
});

describe('--filter', () => {
  const fams = parsePrometheusText(scrape({ 'get 200': 1 }));
  it('treats metric-name characters as a prefix', () => {
    const f = makeFilter('imageregistry_http')!;
    expect(filterFamilies(fams, f).map((x) => x.name)).toEqual([
      'imageregistry_http_in_flight_requests',
      'imageregistry_http_request_duration_seconds',
      'imageregistry_http_requests_total',
    ]);
  });
  it('treats anything else as a regular expression', () => {
    const f = makeFilter('errors_total$')!;
    expect(filterFamilies(fams, f).map((x) => x.name)).toEqual(['imageregistry_storage_errors_total', 'imageregistry_pullthrough_repository_errors_total']);
    expect(filterFamilies(fams, makeFilter('^(go|process)_')).length).toBe(0);
  });
  it('rejects an empty or invalid expression with a usage error', () => {
    expect(() => makeFilter('')).toThrow(UsageError);
    expect(() => makeFilter('(')).toThrow(/not a valid regular expression/);
    expect(makeFilter(undefined)).toBeUndefined();
  });
  it('filters the raw exposition line by line, keeping HELP/TYPE and summary suffixes', () => {
    const text = scrape({ 'get 200': 1 });
    const out = filterRaw(text, fams, makeFilter('imageregistry_http_request_duration')!);
    expect(out.split('\n').filter(Boolean)).toEqual([
      '# TYPE imageregistry_http_request_duration_seconds summary',
      'imageregistry_http_request_duration_seconds{method="get",quantile="0.5"} 0.01',
      'imageregistry_http_request_duration_seconds{method="get",quantile="0.9"} 0.02',
      'imageregistry_http_request_duration_seconds{method="get",quantile="0.99"} NaN',
      'imageregistry_http_request_duration_seconds_sum{method="get"} 2',
      'imageregistry_http_request_duration_seconds_count{method="get"} 100',
    ]);
  });
});

describe('-o json document', () => {
  it('is one valid JSON document with non-finite values as Prometheus strings', async () => {
    const { metricsDocument } = await import('../../src/metrics/render.js');
    const fams = parsePrometheusText('# TYPE a gauge\na{x="1"} NaN\nb +Inf 17\n');
    const text = metricsDocument({ apiVersion: 'regctl.openshift.io/v1', kind: 'RegistryMetrics' }, { q: NaN, n: 1 }, fams);
    const doc = JSON.parse(text);
    expect(doc).toEqual({
      apiVersion: 'regctl.openshift.io/v1',
      kind: 'RegistryMetrics',
      summary: { q: 'NaN', n: 1 },
      families: [
        { name: 'a', type: 'gauge', samples: [{ name: 'a', labels: { x: '1' }, value: 'NaN' }] },
        { name: 'b', type: 'untyped', samples: [{ name: 'b', labels: {}, value: '+Inf', timestampMs: 17 }] },
      ],
    });
    expect(text.endsWith('}\n')).toBe(true);
    expect(metricsDocument({ k: 1 }, null, [])).toBe('{\n  "k": 1,\n  "summary": null,\n  "families": []\n}\n');
  });
});

describe('tables', () => {
  it('render like src/output/table.ts (headers, three spaces, no trailing blanks), fast for many rows', async () => {
    const { renderTable } = await import('../../src/metrics/render.js');
    const { renderTable: reference } = await import('../../src/output/table.js');
    const { createIO } = await import('../../src/output/io.js');
    const io = createIO({ stdout: { write: () => true }, stderr: { write: () => true }, stdin: process.stdin, env: {}, noColor: true });
    const rows = [
      { a: 'get', b: '200', c: '17' },
      { a: 'delete', b: '', c: '3' },
    ];
    const cols = [
      { header: 'method', value: (r: (typeof rows)[number]) => r.a },
      { header: 'code', value: (r: (typeof rows)[number]) => r.b },
      { header: 'count', value: (r: (typeof rows)[number]) => r.c },
    ];
    expect(renderTable(io, rows, cols)).toBe(reference(io, rows, cols));
    const many = Array.from({ length: 60_000 }, (_, i) => ({ a: `m${i}`, b: '200', c: String(i) }));
    const out = renderTable(io, many, cols);
    expect(out.split('\n')).toHaveLength(60_002);
  });
});

describe('aggregation over other labels', () => {
  const text = `# TYPE imageregistry_http_requests_total counter
imageregistry_http_requests_total{code="200",method="get",repository="a/x"} 5
imageregistry_http_requests_total{code="200",method="get",repository="b/y"} 7
imageregistry_http_requests_total{code="404",method="get",repository="a/x"} 1
# TYPE imageregistry_http_request_duration_seconds histogram
imageregistry_http_request_duration_seconds_bucket{method="get",repository="a/x",le="0.1"} 1
imageregistry_http_request_duration_seconds_bucket{method="get",repository="a/x",le="1"} 2
imageregistry_http_request_duration_seconds_bucket{method="get",repository="a/x",le="+Inf"} 2
imageregistry_http_request_duration_seconds_sum{method="get",repository="a/x"} 0.6
imageregistry_http_request_duration_seconds_count{method="get",repository="a/x"} 2
imageregistry_http_request_duration_seconds_bucket{method="get",repository="b/y",le="0.1"} 1
imageregistry_http_request_duration_seconds_bucket{method="get",repository="b/y",le="1"} 2
imageregistry_http_request_duration_seconds_bucket{method="get",repository="b/y",le="+Inf"} 2
imageregistry_http_request_duration_seconds_sum{method="get",repository="b/y"} 0.6
imageregistry_http_request_duration_seconds_count{method="get",repository="b/y"} 2
# TYPE imageregistry_request_duration_seconds summary
imageregistry_request_duration_seconds{operation="BlobStore.ServeBlob",repository="a/x",quantile="0.5"} 0.1
imageregistry_request_duration_seconds_sum{operation="BlobStore.ServeBlob",repository="a/x"} 1
imageregistry_request_duration_seconds_count{operation="BlobStore.ServeBlob",repository="a/x"} 3
imageregistry_request_duration_seconds{operation="BlobStore.ServeBlob",repository="b/y",quantile="0.5"} 0.7
imageregistry_request_duration_seconds_sum{operation="BlobStore.ServeBlob",repository="b/y"} 7
imageregistry_request_duration_seconds_count{operation="BlobStore.ServeBlob",repository="b/y"} 10
`;
  it('adds requests up by method and code; histogram latency from added buckets; summary quantiles of the busiest series', () => {
    const s = summarize(parsePrometheusText(text));
    expect(s.requests).toEqual({ total: 13, byMethodCode: [{ method: 'get', code: '200', count: 12 }, { method: 'get', code: '404', count: 1 }] });
    expect(s.latency).toHaveLength(1);
    expect(s.latency[0]).toMatchObject({ key: 'get', count: 4, sumSeconds: 1.2 });
    expect(s.latency[0]!.meanSeconds).toBeCloseTo(0.3);
    expect(s.latency[0]!.quantiles['0.5']).toBeCloseTo(0.1);
    expect(s.latency[0]!.quantiles['0.9']).toBeCloseTo(0.82);
    expect(s.operations).toEqual([{ key: 'BlobStore.ServeBlob', count: 13, sumSeconds: 8, meanSeconds: 8 / 13, quantiles: { '0.5': 0.7 } }]);
  });
  it('rates add up over other labels too', () => {
    const a = parsePrometheusText(text);
    const b = parsePrometheusText(text.replace('repository="b/y"} 7', 'repository="b/y"} 17'));
    const r = summarizeRates(a, b, 2);
    expect(r.requests.byMethodCode).toEqual([{ method: 'get', code: '200', perSecond: 5 }, { method: 'get', code: '404', perSecond: 0 }]);
  });
});

describe('summary rows on many series', () => {
  it('summary quantiles come from the busiest series, whatever the order of its labels', () => {
    const lines = ['# TYPE imageregistry_request_duration_seconds summary'];
    for (let i = 0; i < 50; i++) {
      const op = i % 2 ? 'TagService.All' : 'BlobStore.ServeBlob';
      lines.push(
        `imageregistry_request_duration_seconds{operation="${op}",repository="r/${i}",quantile="0.5"} ${i / 100}`,
        `imageregistry_request_duration_seconds{quantile="0.9",repository="r/${i}",operation="${op}"} ${i / 10}`,
        `imageregistry_request_duration_seconds_sum{operation="${op}",repository="r/${i}"} ${i}`,
        `imageregistry_request_duration_seconds_count{repository="r/${i}",operation="${op}"} ${i === 20 ? 1000 : i}`,
      );
    }
    const s = summarize(parsePrometheusText(lines.join('\n') + '\n'));
    const sum = (odd: number) => Array.from({ length: 50 }, (_, i) => i).filter((i) => i % 2 === odd);
    expect(s.operations).toEqual([
      { key: 'BlobStore.ServeBlob', count: sum(0).reduce((a, i) => a + (i === 20 ? 1000 : i), 0), sumSeconds: sum(0).reduce((a, i) => a + i, 0), meanSeconds: expect.any(Number), quantiles: { '0.5': 0.2, '0.9': 2 } },
      { key: 'TagService.All', count: sum(1).reduce((a, i) => a + i, 0), sumSeconds: sum(1).reduce((a, i) => a + i, 0), meanSeconds: expect.any(Number), quantiles: { '0.5': 0.49, '0.9': 4.9 } },
    ]);
  });

  it('without _count samples a group keeps the last quantiles', () => {
    const s = summarize(
      parsePrometheusText(`# TYPE imageregistry_request_duration_seconds summary
imageregistry_request_duration_seconds{operation="a",repository="x",quantile="0.5"} 1
imageregistry_request_duration_seconds{operation="a",repository="y",quantile="0.5"} 2
`),
    );
    expect(s.operations).toEqual([{ key: 'a', count: 0, sumSeconds: 0, meanSeconds: null, quantiles: { '0.5': 2 } }]);
  });

  it('requests add up by method and code over thousands of series', () => {
    const lines = ['# TYPE imageregistry_http_requests_total counter'];
    const want = new Map<string, number>();
    for (let i = 0; i < 3000; i++) {
      const method = ['get', 'head', 'put'][i % 3]!;
      const code = ['200', '404'][i % 2]!;
      lines.push(`imageregistry_http_requests_total{code="${code}",method="${method}",repository="r/${i}"} ${i}`);
      want.set(`${method} ${code}`, (want.get(`${method} ${code}`) ?? 0) + i);
    }
    const s = summarize(parsePrometheusText(lines.join('\n') + '\n'));
    expect(s.requests.byMethodCode).toEqual(
      [...want]
        .map(([k, count]) => ({ method: k.split(' ')[0]!, code: k.split(' ')[1]!, count }))
        .sort((a, b) => (a.method < b.method ? -1 : a.method > b.method ? 1 : a.code < b.code ? -1 : 1)),
    );
    expect(s.requests.total).toBe((2999 * 3000) / 2);
  });

  it('histogram rows use the buckets their own series have', () => {
    const s = summarize(
      parsePrometheusText(`# TYPE imageregistry_http_request_duration_seconds histogram
imageregistry_http_request_duration_seconds_bucket{method="get",le="0.1"} 4
imageregistry_http_request_duration_seconds_bucket{method="get",le="1"} 8
imageregistry_http_request_duration_seconds_bucket{method="get",le="+Inf"} 10
imageregistry_http_request_duration_seconds_bucket{method="put",le="1"} 2
imageregistry_http_request_duration_seconds_bucket{method="put",le="1.0"} 2
imageregistry_http_request_duration_seconds_bucket{method="put",le="+Inf"} 4
imageregistry_http_request_duration_seconds_count{method="put"} 4
`),
    );
    expect(s.latency.map((r) => [r.key, r.count, r.quantiles])).toEqual([
      ['get', 0, { '0.5': 0.325, '0.9': 1, '0.99': 1 }],
      ['put', 4, { '0.5': 0.5, '0.9': 0.9, '0.99': 0.99 }],
    ]);
  });

  it('histogram latency adds buckets up across series (le converted once per value)', () => {
    const lines = ['# TYPE imageregistry_http_request_duration_seconds histogram'];
    for (let i = 0; i < 100; i++) {
      const l = `method="get",repository="r/${i}"`;
      lines.push(
        `imageregistry_http_request_duration_seconds_bucket{${l},le="0.1"} 1`,
        `imageregistry_http_request_duration_seconds_bucket{${l},le="1"} 2`,
        `imageregistry_http_request_duration_seconds_bucket{${l},le="+Inf"} 2`,
        `imageregistry_http_request_duration_seconds_sum{${l}} 0.6`,
        `imageregistry_http_request_duration_seconds_count{${l}} 2`,
      );
    }
    const s = summarize(parsePrometheusText(lines.join('\n') + '\n'));
    expect(s.latency).toHaveLength(1);
    expect(s.latency[0]).toMatchObject({ key: 'get', count: 200 });
    expect(s.latency[0]!.sumSeconds).toBeCloseTo(60);
    expect(s.latency[0]!.quantiles['0.5']).toBeCloseTo(0.1);
    expect(s.latency[0]!.quantiles['0.9']).toBeCloseTo(0.82);
  });
});
