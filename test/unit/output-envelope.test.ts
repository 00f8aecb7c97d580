// One output path: -o declared by outputOption everywhere; -o json|yaml results wrapped by envelope()/print({kind}).
import { describe, expect, it } from 'vitest';
import yaml from 'js-yaml';
import { envelope, print, printStreamItem, REGCTL_API_VERSION } from '../../src/output/printer.js';
import { outputOption } from '../../src/commands/common.js';
import { commands } from '../../src/commands/index.js';
import type { CommandModule } from '../../src/commands/spec.js';
import type { IO } from '../../src/output/io.js';

function fakeIO(): IO & { text: () => string } {
  let data = '';
  return { stdout: { write: (s: string) => ((data += s), true) }, text: () => data } as unknown as IO & { text: () => string };
}

describe('envelope / print({kind})', () => {
  it('puts apiVersion and kind first and keeps every field', () => {
    const e = envelope('TagList', { registry: 'r', tags: ['a'] });
    expect(Object.keys(e)).toEqual(['apiVersion', 'kind', 'registry', 'tags']);
    expect(e).toEqual({ apiVersion: REGCTL_API_VERSION, kind: 'TagList', registry: 'r', tags: ['a'] });
  });

  it('json and yaml carry it; table/human output does not', () => {
    for (const format of ['json', 'yaml'] as const) {
      const io = fakeIO();
      print(io, format, { kind: 'LogoutResult', data: { authfile: 'f', removed: [] }, human: () => 'human\n' });
      const parsed = format === 'json' ? JSON.parse(io.text()) : yaml.load(io.text());
      expect(parsed).toEqual({ apiVersion: 'regctl.openshift.io/v1', kind: 'LogoutResult', authfile: 'f', removed: [] });
    }
    const io = fakeIO();
    print(io, 'table', { kind: 'LogoutResult', data: { authfile: 'f' }, human: () => 'human\n' });
    expect(io.text()).toBe('human\n');
  });

  it('printStreamItem: one compact JSON line, or one YAML document', () => {
    const j = fakeIO();
    printStreamItem(j, 'json', { a: 1 });
    printStreamItem(j, 'json', { a: 2 });
    expect(j.text()).toBe('{"a":1}\n{"a":2}\n');
    const y = fakeIO();
    printStreamItem(y, 'yaml', { a: 1 });
    expect(y.text()).toBe('---\na: 1\n');
  });
});

describe('-o is declared once', () => {
  it('outputOption: formats, default (or none) and a note', () => {
    expect(outputOption(['table', 'json'])).toEqual({ flags: '-o, --output <format>', description: 'output format: table|json', default: 'table' });
    expect(outputOption(['json', 'yaml'], null, 'note')).toEqual({ flags: '-o, --output <format>', description: 'output format: json|yaml (note)' });
  });

  it('every command with -o uses it (same flags, "output format: a|b" help)', () => {
    const seen: string[] = [];
    const walk = (m: CommandModule, path: string) => {
      const o = m.spec.options?.output;
      if (o) {
        seen.push(path);
        expect(o.flags, path).toBe('-o, --output <format>');
        expect(o.description, path).toMatch(/^output format: [a-z]+(\|[a-z]+)+( \(.+\))?$/);
      }
      for (const s of m.spec.subcommands ?? []) walk(s, `${path} ${s.spec.name}`);
    };
    for (const c of commands) walk(c, c.spec.name);
    expect(seen).toEqual(expect.arrayContaining(['grant', 'revoke', 'logs', 'pull-secret create', 'trust-ca add', 'status', 'expose']));
  });
});
