import { describe, expect, it } from 'vitest';
import { colorLevel } from '../../src/output/color.js';
import { age, parseDuration } from '../../src/output/format.js';
import { createIO } from '../../src/output/io.js';
import { renderTable } from '../../src/output/table.js';
import { parseOutput, toJSON, toYAML } from '../../src/output/printer.js';
import { UsageError } from '../../src/errors.js';
import { decodeKey as decodeCAKey } from '../../src/pki/host.js';
import { PassThrough } from 'node:stream';

function sink(isTTY: boolean) {
  let data = '';
  return { write: (s: string) => ((data += s), true), isTTY, get data() { return data; } };
}

describe('colour decision', () => {
  it('is off when piped, on for a TTY', () => {
    expect(colorLevel({ isTTY: false, noColorFlag: false, env: {} })).toBe(0);
    expect(colorLevel({ isTTY: true, noColorFlag: false, env: {} })).toBe(1);
  });
  it('honours NO_COLOR with any non-empty value, --no-color and TERM=dumb', () => {
    expect(colorLevel({ isTTY: true, noColorFlag: false, env: { NO_COLOR: 'yes' } })).toBe(0);
    expect(colorLevel({ isTTY: true, noColorFlag: true, env: {} })).toBe(0);
    expect(colorLevel({ isTTY: true, noColorFlag: false, env: { TERM: 'dumb' } })).toBe(0);
  });
  it('FORCE_COLOR forces or disables', () => {
    expect(colorLevel({ isTTY: false, noColorFlag: false, env: { FORCE_COLOR: '1' } })).toBe(1);
    expect(colorLevel({ isTTY: true, noColorFlag: false, env: { FORCE_COLOR: '0' } })).toBe(0);
    expect(colorLevel({ isTTY: false, noColorFlag: false, env: { FORCE_COLOR: '3' } })).toBe(3);
  });
});

describe('tables', () => {
  it('renders kubectl-style columns without ANSI codes when colour is off', () => {
    const io = createIO({ stdout: sink(false), stderr: sink(false), stdin: new PassThrough(), env: {}, noColor: false });
    const out = renderTable(io, [{ a: 'x', b: 1 }, { a: 'longer', b: 22 }], [
      { header: 'name', value: (r) => r.a },
      { header: 'count', value: (r) => r.b },
      { header: 'extra', value: () => 'w', wide: true },
    ]);
    expect(out).toBe('NAME     COUNT\nx        1\nlonger   22\n');
    expect(out).not.toMatch(/\x1b\[/);
  });
  it('shows wide columns only in wide mode', () => {
    const io = createIO({ stdout: sink(false), stderr: sink(false), stdin: new PassThrough(), env: {}, noColor: false });
    const out = renderTable(io, [{ a: 'x' }], [{ header: 'name', value: (r) => r.a }, { header: 'node', value: () => 'n1', wide: true }], { wide: true });
    expect(out).toContain('NODE');
  });
});

describe('printer', () => {
  it('rejects unknown formats with a usage error naming the choices', () => {
    expect(() => parseOutput('xml', ['table', 'json'])).toThrow(UsageError);
    try {
      parseOutput('xml', ['table', 'json']);
    } catch (e) {
      expect((e as UsageError).hint).toBe('use one of: table, json');
    }
  });
  it('prints stable JSON and YAML', () => {
    expect(toJSON({ a: 1 })).toBe('{\n  "a": 1\n}\n');
    expect(toYAML({ a: [1, 2] })).toBe('a:\n  - 1\n  - 2\n');
  });
});

describe('durations and ages', () => {
  it('parses durations', () => {
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('15')).toBe(15_000);
    expect(parseDuration('soon')).toBeUndefined();
    expect(parseDuration('5x')).toBeUndefined();
  });
  it('formats ages like kubectl', () => {
    const now = new Date('2026-01-01T12:00:00Z');
    expect(age('2026-01-01T11:59:30Z', now)).toBe('30s');
    expect(age('2026-01-01T11:55:00Z', now)).toBe('5m');
    expect(age('2026-01-01T09:00:00Z', now)).toBe('3h');
    expect(age('2025-12-30T12:00:00Z', now)).toBe('2d');
  });
});

describe('CA keys', () => {
  it('decodes only the last .. into a colon, as node-ca does', () => {
    expect(decodeCAKey('registry.example.com..5000')).toBe('registry.example.com:5000');
    expect(decodeCAKey('registry.example.com')).toBe('registry.example.com');
    expect(decodeCAKey('a..b..443')).toBe('a..b:443');
  });
});
