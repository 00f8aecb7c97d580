import { describe, expect, it } from 'vitest';
import { validateLoginOptions } from '../../../src/commands/login.run.js';

const usage = (o: Parameters<typeof validateLoginOptions>[0], msg: RegExp) => {
  let err: any;
  try {
    validateLoginOptions(o);
  } catch (e) {
    err = e;
  }
  expect(err?.exitCode, String(err)).toBe(2);
  expect(err.message).toMatch(msg);
  expect(err.hint).toBeTruthy();
};

describe('validateLoginOptions', () => {
  it('accepts the plain and CI forms', () => {
    expect(validateLoginOptions({})).toEqual({ durationSeconds: 3600 });
    expect(validateLoginOptions({ serviceAccount: 'ci', duration: '2h' })).toEqual({ durationSeconds: 7200 });
    expect(validateLoginOptions({ username: 'dev', passwordStdin: true })).toEqual({ durationSeconds: 3600 });
  });
  it('rejects conflicting and unsafe input', () => {
    usage({ serviceAccount: 'a', username: 'b', passwordStdin: true }, /cannot be combined/);
    usage({ username: 'dev' }, /needs the password on stdin/);
    usage({ passwordStdin: true }, /needs --username/);
    usage({ username: 'a:b', passwordStdin: true }, /contains ':'/);
    usage({ registryUsername: 'kube:admin' }, /contains ':'/);
    usage({ registryUsername: '' }, /empty/);
    usage({ registry: 'https://reg.example.com' }, /invalid --registry/);
    usage({ registry: 'r', internal: true }, /cannot be combined/);
    usage({ authfile: 'a', docker: true }, /cannot be combined/);
    usage({ caFile: 'a', insecureSkipTlsVerify: true }, /cannot be combined/);
    usage({ serviceAccount: 'a', duration: '5m' }, /too short/);
    usage({ serviceAccount: 'a', duration: 'later' }, /invalid --duration/);
  });
});
