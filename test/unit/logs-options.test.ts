import { describe, expect, it } from 'vitest';
import { parseLogsQuery } from '../../src/commands/logs.run.js';
import { UsageError } from '../../src/errors.js';

describe('logs flags → kubelet query', () => {
  it('maps --tail, --since, --since-time, --previous, -f', () => {
    expect(parseLogsQuery({ tail: '20', since: '1h30m' })).toEqual({ follow: false, previous: false, tailLines: 20, sinceSeconds: 5400 });
    expect(parseLogsQuery({ tail: '-1', follow: true })).toEqual({ follow: true, previous: false, tailLines: -1 });
    expect(parseLogsQuery({ since: '500ms' }).sinceSeconds).toBe(1);
    expect(parseLogsQuery({ sinceTime: '2025-01-31T10:00:00+01:00' }).sinceTime).toBe('2025-01-31T09:00:00Z');
    expect(parseLogsQuery({ sinceTime: '2025-01-31T10:00:00.5Z' }).sinceTime).toBe('2025-01-31T10:00:00.500Z');
    expect(parseLogsQuery({ previous: true })).toEqual({ follow: false, previous: true });
  });

  const bad: Array<[string, Parameters<typeof parseLogsQuery>[0], RegExp]> = [
    ['--tail x', { tail: 'x' }, /invalid --tail "x"/],
    ['--tail -2', { tail: '-2' }, /invalid --tail "-2"/],
    ['--since yesterday', { since: 'yesterday' }, /invalid --since "yesterday"/],
    ['--since 0s', { since: '0s' }, /invalid --since "0s"/],
    ['--since-time not RFC3339', { sinceTime: '2025-01-31 10:00' }, /invalid --since-time/],
    ['--since with --since-time', { since: '1h', sinceTime: '2025-01-31T10:00:00Z' }, /cannot be used together/],
    ['--previous with -f', { previous: true, follow: true }, /--previous cannot be combined with --follow/],
  ];
  for (const [what, opts, re] of bad) {
    it(`rejects ${what} as a usage error`, () => {
      expect(() => parseLogsQuery(opts)).toThrow(UsageError);
      expect(() => parseLogsQuery(opts)).toThrow(re);
    });
  }
});
