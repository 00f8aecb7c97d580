import { describe, expect, it } from 'vitest';
import { formatValue, parsePrometheusText, parseValue, ParseError, type Sample } from '../../src/metrics/parse.js';

/** A sample as plain data (samples are class instances). */
const plain = (s: Sample) => ({ name: s.name, labels: s.labels, value: s.value, ...(s.timestampMs !== undefined ? { timestampMs: s.timestampMs } : {}) });

// The registry's own output, as in the OpenShift docs (seeds/000) plus a histogram from distribution.
const REGISTRY = `# HELP imageregistry_build_info A metric with a constant '1' value labeled by major, minor, git commit & git version from which the image registry was built.
# TYPE imageregistry_build_info gauge
imageregistry_build_info{gitCommit="9f72191",gitVersion="v3.11.0+9f72191-135-dirty",major="3",minor="11+"} 1
# HELP imageregistry_digest_cache_requests_total Total number of requests without scope to the digest cache.
# TYPE imageregistry_digest_cache_requests_total counter
imageregistry_digest_cache_requests_total{type="Hit"} 5
imageregistry_digest_cache_requests_total{type="Miss"} 24
# HELP imageregistry_http_in_flight_requests A gauge of requests currently being served by the registry.
# TYPE imageregistry_http_in_flight_requests gauge
imageregistry_http_in_flight_requests 1
# HELP imageregistry_http_request_duration_seconds A histogram of latencies for requests to the registry.
# TYPE imageregistry_http_request_duration_seconds summary
imageregistry_http_request_duration_seconds{method="get",quantile="0.5"} 0.01296087
imageregistry_http_request_duration_seconds{method="get",quantile="0.9"} 0.014847248
imageregistry_http_request_duration_seconds{method="get",quantile="0.99"} 0.015981195
imageregistry_http_request_duration_seconds_sum{method="get"} 12.260727916000022
imageregistry_http_request_duration_seconds_count{method="get"} 1000
# HELP registry_storage_action_seconds The number of seconds that the storage action takes
# TYPE registry_storage_action_seconds histogram
registry_storage_action_seconds_bucket{action="GetContent",driver="filesystem",le="0.005"} 10
registry_storage_action_seconds_bucket{action="GetContent",driver="filesystem",le="0.01"} 15
registry_storage_action_seconds_bucket{action="GetContent",driver="filesystem",le="+Inf"} 20
registry_storage_action_seconds_sum{action="GetContent",driver="filesystem"} 0.2
registry_storage_action_seconds_count{action="GetContent",driver="filesystem"} 20
`;

describe('parsePrometheusText', () => {
  it('parses the registry exposition: families, types, help, labels, summary and histogram samples', () => {
    const fams = parsePrometheusText(REGISTRY);
    expect(fams.map((f) => [f.name, f.type])).toEqual([
      ['imageregistry_build_info', 'gauge'],
      ['imageregistry_digest_cache_requests_total', 'counter'],
      ['imageregistry_http_in_flight_requests', 'gauge'],
      ['imageregistry_http_request_duration_seconds', 'summary'],
      ['registry_storage_action_seconds', 'histogram'],
    ]);
    expect(fams[0]!.help).toMatch(/^A metric with a constant '1' value/);
    expect(plain(fams[0]!.samples[0]!)).toEqual({
      name: 'imageregistry_build_info',
      labels: { gitCommit: '9f72191', gitVersion: 'v3.11.0+9f72191-135-dirty', major: '3', minor: '11+' },
      value: 1,
    });
    const summary = fams[3]!;
    expect(summary.samples.map((s) => s.name)).toEqual([
      'imageregistry_http_request_duration_seconds',
      'imageregistry_http_request_duration_seconds',
      'imageregistry_http_request_duration_seconds',
      'imageregistry_http_request_duration_seconds_sum',
      'imageregistry_http_request_duration_seconds_count',
    ]);
    expect(summary.samples[4]!.value).toBe(1000);
    const hist = fams[4]!;
    expect(hist.samples.filter((s) => s.name.endsWith('_bucket')).map((s) => s.labels.le)).toEqual(['0.005', '0.01', '+Inf']);
  });

  it('unescapes label values (\\\\, \\", \\n) and HELP text (\\\\, \\n)', () => {
    const fams = parsePrometheusText(
      '# HELP m A "quoted" help\\nwith a newline and a \\\\ backslash and \\t kept\n# TYPE m counter\nm{path="C:\\\\dir",msg="say \\"hi\\"\\nbye"} 3\n',
    );
    expect(fams[0]!.help).toBe('A "quoted" help\nwith a newline and a \\ backslash and \\t kept');
    expect(fams[0]!.samples[0]!.labels).toEqual({ path: 'C:\\dir', msg: 'say "hi"\nbye' });
  });

  it('accepts NaN, +Inf, -Inf, exponents, timestamps, blank lines, comments, tabs, trailing comma and CRLF', () => {
    const text = [
      '# a free comment',
      '#',
      '',
      'a NaN',
      'b +Inf',
      'c -Inf',
      'd 1.5e-3 1700000000000',
      'e{x="1",} 2',
      'f\t{ y = "z" }\t7',
      'g 3\r',
      'h -0.25 -5',
    ].join('\n');
    const fams = parsePrometheusText(text);
    const v = Object.fromEntries(fams.map((f) => [f.name, f.samples[0]!]));
    expect(Number.isNaN(v.a!.value)).toBe(true);
    expect(v.b!.value).toBe(Infinity);
    expect(v.c!.value).toBe(-Infinity);
    expect(plain(v.d!)).toEqual({ name: 'd', labels: {}, value: 0.0015, timestampMs: 1700000000000 });
    expect(v.e!.labels).toEqual({ x: '1' });
    expect(v.f!.labels).toEqual({ y: 'z' });
    expect(v.g!.value).toBe(3);
    expect(v.h!.timestampMs).toBe(-5);
    expect(fams.every((f) => f.type === 'untyped')).toBe(true);
  });

  it('keeps an untyped foo_sum separate from a foo that is not a summary', () => {
    const fams = parsePrometheusText('foo 1\nfoo_sum 2\n');
    expect(fams.map((f) => f.name)).toEqual(['foo', 'foo_sum']);
  });

  it('handles a label named __proto__ as data', () => {
    const s = parsePrometheusText('m{__proto__="x"} 1\n')[0]!.samples[0]!;
    expect(Object.keys(s.labels)).toEqual(['__proto__']);
    expect(s.labels.__proto__).toBe('x');
    expect(Object.getPrototypeOf(s.labels)).toBe(Object.prototype);
  });

  const bad: Array<[string, string, RegExp]> = [
    ['invalid metric name', '1abc 1\n', /line 1: invalid metric name/],
    ['invalid label name', 'm{1a="x"} 1\n', /invalid label name/],
    ['unknown escape', 'm{a="\\t"} 1\n', /invalid escape "\\t"/],
    ['unterminated value', 'm{a="x} 1\n', /unterminated value of label a/],
    ['unterminated labels', 'm{a="x"\n', /expected "," or "}"|unterminated label set/],
    ['missing value', 'm{a="x"}\n', /missing value for m/],
    ['bad value', 'm 1,5\n', /invalid value "1,5"/],
    ['hex value', 'm 0x10\n', /invalid value "0x10"/],
    ['bad timestamp', 'm 1 1.5\n', /invalid timestamp "1.5"/],
    ['extra tokens', 'm 1 2 3\n', /unexpected text after the timestamp/],
    ['duplicate label', 'm{a="1",a="2"} 1\n', /duplicate label a/],
    ['second TYPE', '# TYPE m gauge\n# TYPE m gauge\n', /second TYPE line for metric m/],
    ['second HELP', '# HELP m x\n# HELP m y\n', /second HELP line/],
    ['TYPE after samples', 'm 1\n# TYPE m gauge\n', /TYPE line for metric m after its samples/],
    ['unknown type', '# TYPE m gaugey\n', /unknown metric type "gaugey"/],
    ['split family', 'a 1\nb 1\na{x="y"} 2\n', /line 3: lines of metric family a are not grouped together/],
    ['summary without quantile', '# TYPE s summary\ns 1\n', /summary s sample without a valid quantile/],
    ['histogram bare sample', '# TYPE h histogram\nh 1\n', /histogram h sample must be _bucket/],
    ['bucket without le', '# TYPE h histogram\nh_bucket 1\n', /without a valid le label/],
    ['bucket with bad le', '# TYPE h histogram\nh_bucket{le="x"} 1\n', /without a valid le label/],
    ['garbage after name', 'm} 1\n', /invalid character "}"/],
  ];
  for (const [what, text, re] of bad) {
    it(`rejects: ${what}`, () => {
      expect(() => parsePrometheusText(text)).toThrow(ParseError);
      expect(() => parsePrometheusText(text)).toThrow(re);
    });
  }

  it('names the line of the error', () => {
    try {
      parsePrometheusText('a 1\n\n# HELP b x\nb{ 1\n');
      expect.unreachable();
    } catch (e) {
      expect((e as ParseError).line).toBe(4);
    }
  });

  it('parses a 50,000-series exposition (timing is in bench/, not here)', () => {
    const lines: string[] = ['# HELP big_total A big counter.', '# TYPE big_total counter'];
    for (let i = 0; i < 50_000; i++) lines.push(`big_total{code="${200 + (i % 5)}",method="get",repo="ns${i % 97}/image-${i}",path="a\\\\b"} ${i}.5`);
    const text = lines.join('\n') + '\n';
    const fams = parsePrometheusText(text);
    expect(fams[0]!.samples).toHaveLength(50_000);
    expect(fams[0]!.samples[49_999]!.labels.path).toBe('a\\b');
  });
});

describe('values', () => {
  it('parses like Go ParseFloat for the forms expfmt writes', () => {
    expect(parseValue('1')).toBe(1);
    expect(parseValue('-1.5E+3')).toBe(-1500);
    expect(parseValue('.5')).toBe(0.5);
    expect(parseValue('Inf')).toBe(Infinity);
    expect(parseValue('+inf')).toBe(Infinity);
    expect(parseValue('-Inf')).toBe(-Infinity);
    expect(parseValue('nan')).toBeNaN();
    expect(parseValue('')).toBeUndefined();
    expect(parseValue('1_000')).toBeUndefined();
    expect(parseValue(' 1')).toBeUndefined();
  });
  it('formats like Prometheus', () => {
    expect(formatValue(NaN)).toBe('NaN');
    expect(formatValue(Infinity)).toBe('+Inf');
    expect(formatValue(-Infinity)).toBe('-Inf');
    expect(formatValue(0.25)).toBe('0.25');
  });
});

describe('fast and careful paths agree', () => {
  it('labels named like Object.prototype members, blanks inside braces, escapes, CRLF', () => {
    const fams = parsePrometheusText('m{constructor="a",toString="b"} 1\nm{ x = "1" , y="\\\\\\"\\n" , } 2\r\nm{} 3\n');
    const s = fams[0]!.samples;
    expect(s.map((x) => x.value)).toEqual([1, 2, 3]);
    expect(Object.keys(s[0]!.labels)).toEqual(['constructor', 'toString']);
    expect(s[0]!.labels.constructor).toBe('a');
    expect(s[1]!.labels).toEqual({ x: '1', y: '\\"\n' });
    expect(s[2]!.labels).toEqual({});
  });
  it('still rejects what the fast path leaves to the careful parser', () => {
    expect(() => parsePrometheusText('m{a="1" b="2"} 1\n')).toThrow(/expected "," or "}" after the value of label a/);
    expect(() => parsePrometheusText('m{a="1",a="1"} 1\n')).toThrow(/duplicate label a/);
    expect(() => parsePrometheusText('m{a="\\x"} 1\n')).toThrow(/invalid escape "\\x"/);
    expect(() => parsePrometheusText('m{a="1"\nn 2\n')).toThrow(/line 1:/);
  });
});

describe('labels', () => {
  it('are validated at parse time, stable on every access, and serialized', () => {
    const fams = parsePrometheusText('m{a="1",b="x\\"y"} 2 5\nm 3\n');
    const s = fams[0]!.samples[0]!;
    expect(s.labels).toBe(s.labels);
    expect(s.labels).toEqual({ a: '1', b: 'x"y' });
    expect(JSON.parse(JSON.stringify(fams[0]!.samples))).toEqual([
      { name: 'm', labels: { a: '1', b: 'x"y' }, value: 2, timestampMs: 5 },
      { name: 'm', labels: {}, value: 3 },
    ]);
    expect(() => parsePrometheusText('m{a="1",b="\\q"} 2\n')).toThrow(/invalid escape "\\q"/);
  });
});

/** `lines` repeated shapes, so that the parser reads most of them with a per-shape template (after a few lines). */
function family(type: string, name: string, lines: string[]): string {
  return `# TYPE ${name} ${type}\n${lines.join('\n')}\n`;
}

describe('repeated line shapes (templates) read like any line', () => {
  it('label values: equal ones may be shared, different ones never are', () => {
    const lines: string[] = [];
    const expected: Array<Record<string, string>> = [];
    for (let i = 0; i < 400; i++) {
      // Values that cycle (more distinct ones than the parser remembers per position), repeat, or are new; some
      // of the same length; one position holding the other's values.
      const labels = { a: `v${i % 23}`, b: `w${i % 3}`, c: `x${String(i).padStart(4, '0')}`, d: `v${(i + 1) % 23}`, e: i % 7 === 0 ? '' : 'same' };
      expected.push(labels);
      lines.push(`m{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}} ${i}`);
    }
    const s = parsePrometheusText(family('gauge', 'm', lines))[0]!.samples;
    expect(s.map((x) => x.labels)).toEqual(expected);
    expect(s.map((x) => x.value)).toEqual(expected.map((_, i) => i));
    expect(s.every((x) => Object.getPrototypeOf(x.labels) === Object.prototype)).toBe(true);
  });

  it('lines of other shapes among them: blanks, escapes, other or more labels, no labels, trailing comma, CRLF', () => {
    const lines: string[] = [];
    const expected: Array<{ labels: Record<string, string>; value: number; timestampMs?: number }> = [];
    const add = (line: string, labels: Record<string, string>, value: number, timestampMs?: number) => {
      lines.push(line);
      expected.push(timestampMs === undefined ? { labels, value } : { labels, value, timestampMs });
    };
    for (let i = 0; i < 300; i++) {
      const k = i % 10;
      if (k === 3) add(`m{ a = "${i}" , b="y" } ${i}`, { a: String(i), b: 'y' }, i);
      else if (k === 5) add(`m{a="${i}",b="q\\"\\\\\\n"} ${i}`, { a: String(i), b: 'q"\\\n' }, i);
      else if (k === 6) add(`m{b="y",a="${i}"} ${i}`, { b: 'y', a: String(i) }, i);
      else if (k === 7) add(`m{a="${i}",b="y",c="z"} ${i} ${i * 1000}`, { a: String(i), b: 'y', c: 'z' }, i, i * 1000);
      else if (k === 8) add(`m ${i}\r`, {}, i);
      else if (k === 9) add(`m{a="${i}",b="y",} ${i}`, { a: String(i), b: 'y' }, i);
      else add(`m{a="${i}",b="y"}\t${i}.5 -${i}`, { a: String(i), b: 'y' }, i + 0.5, -i);
    }
    const s = parsePrometheusText(family('gauge', 'm', lines))[0]!.samples;
    expect(s.map((x) => ({ labels: x.labels, value: x.value, ...(x.timestampMs !== undefined ? { timestampMs: x.timestampMs } : {}) }))).toEqual(expected);
  });

  it('every value form strconv.ParseFloat accepts, in templated lines too', () => {
    const forms: Array<[string, number]> = [
      ['1', 1], ['-2', -2], ['+3', 3], ['1.5', 1.5], ['.5', 0.5], ['5.', 5], ['1e3', 1000], ['-1.5E-3', -0.0015], ['+1e+2', 100],
      ['NaN', NaN], ['nan', NaN], ['+Inf', Infinity], ['inf', Infinity], ['Infinity', Infinity], ['-Inf', -Infinity], ['-infinity', -Infinity],
      ['123456789012345678', 123456789012345678], ['0.1', 0.1], ['00012', 12],
    ];
    const lines: string[] = [];
    for (let r = 0; r < 20; r++) for (const [f] of forms) lines.push(`m{a="x"} ${f}`);
    const s = parsePrometheusText(family('untyped', 'm', lines))[0]!.samples;
    s.forEach((x, i) => expect(x.value).toBe(forms[i % forms.length]![1]));
  });

  const many = <T = string>(n: number, line: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => line(i));
  const bad: Array<[string, string, RegExp]> = [
    ['bad value', family('counter', 'c', [...many(30, (i) => `c{a="${i}"} ${i}`), 'c{a="x"} 1_0']), /line 32: invalid value "1_0" for c/],
    ['hex value', family('counter', 'c', [...many(30, (i) => `c{a="${i}"} ${i}`), 'c{a="x"} 0x10']), /line 32: invalid value "0x10"/],
    ['bad timestamp', family('gauge', 'g', [...many(30, (i) => `g ${i} ${i}`), 'g 1 1.5']), /line 32: invalid timestamp "1.5"/],
    ['extra tokens', family('gauge', 'g', [...many(30, (i) => `g{a="b"} ${i}`), 'g{a="b"} 1 2 3']), /line 32: unexpected text after the timestamp/],
    ['duplicate label', family('gauge', 'g', [...many(30, (i) => `g{a="${i}",b="c"} 1`), 'g{a="1",a="2"} 1']), /line 32: duplicate label a/],
    ['unknown escape', family('gauge', 'g', [...many(30, (i) => `g{a="${i}"} 1`), 'g{a="\\t"} 1']), /line 32: invalid escape "\\t"/],
    ['bucket with bad le', family('histogram', 'h', [...many(30, (i) => `h_bucket{le="${i}"} 1`), 'h_bucket{le="x"} 1']), /line 32: histogram bucket h_bucket without a valid le label/],
    ['bucket without le', family('histogram', 'h', [...many(30, (i) => `h_bucket{a="b",le="${i}"} 1`), 'h_bucket{a="b"} 1']), /line 32: histogram bucket h_bucket without a valid le label/],
    ['bad quantile', family('summary', 's', [...many(30, (i) => `s{quantile="0.${i}"} 1`), 's{quantile=""} 1']), /line 32: summary s sample without a valid quantile label/],
    ['split family', family('counter', 'c', [...many(30, (i) => `c{a="${i}"} ${i}`), 'd 1', 'c{a="x"} 1']), /line 33: lines of metric family c are not grouped together/],
    ['garbage after labels', family('counter', 'c', [...many(30, (i) => `c{a="${i}"} ${i}`), 'c{a="x"}1']), /line 32: invalid character "1" after metric name c/],
    ['unterminated value', family('counter', 'c', [...many(30, (i) => `c{a="${i}"} ${i}`), 'c{a="x} 1']), /line 32: unterminated value of label a/],
    ['missing value', family('counter', 'c', [...many(30, (i) => `c{a="${i}"} ${i}`), 'c{a="x"}']), /line 32: missing value for c/],
    ['value then CR', family('counter', 'c', [...many(30, (i) => `c{a="${i}"} ${i}`), 'c{a="x"} 1\r2']), /line 32: invalid timestamp/],
  ];
  for (const [what, text, re] of bad) {
    it(`rejects after many good lines: ${what}`, () => expect(() => parsePrometheusText(text)).toThrow(re));
  }

  it('a label named __proto__ on every line stays data', () => {
    const s = parsePrometheusText(family('gauge', 'm', many(50, (i) => `m{__proto__="${i}",a="b"} ${i}`)))[0]!.samples;
    expect(s.map((x) => Object.keys(x.labels))).toEqual(many(50, () => ['__proto__', 'a']));
    expect(s.map((x) => x.labels.__proto__)).toEqual(many(50, (i) => String(i)));
    expect(s.every((x) => Object.getPrototypeOf(x.labels) === Object.prototype)).toBe(true);
  });

  it('suffixes go to their summary/histogram family; the same names elsewhere are their own families', () => {
    const text =
      family('histogram', 'h', many(40, (i) => [`h_bucket{le="1"} ${i}`, `h_bucket{le="+Inf"} ${i}`, `h_sum ${i}`, `h_count ${i}`][i % 4]!)) +
      family('counter', 'x', [...many(10, (i) => `x ${i}`), ...many(10, (i) => `x_sum ${i}`)]);
    expect(parsePrometheusText(text).map((f) => [f.name, f.samples.length])).toEqual([
      ['h', 40],
      ['x', 10],
      ['x_sum', 10],
    ]);
  });
});
