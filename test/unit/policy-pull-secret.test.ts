// Pull secrets (seed 003): the .dockerconfigjson content, auth files, linking like `oc secrets link` and unlinking
// like `oc secrets unlink`, redaction.
import { describe, expect, it } from 'vitest';
import {
  configFromAuthFile,
  defaultFor,
  dockerConfig,
  linkedServiceAccount,
  parseFor,
  passwordFromStdin,
  redacted,
  secretObject,
  unlinkedServiceAccount,
  validateUsername,
} from '../../src/cluster/pull-secret.js';

const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('dockerconfigjson', () => {
  it('is {"auths": {server: {username, password, auth}}} in a kubernetes.io/dockerconfigjson Secret', () => {
    const cfg = dockerConfig('quay.io', 'me', 'p@ss:word');
    expect(cfg).toEqual({ auths: { 'quay.io': { username: 'me', password: 'p@ss:word', auth: b64('me:p@ss:word') } } });
    const s = secretObject('quaycreds', 'myapp', cfg);
    expect(s).toMatchObject({ apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/dockerconfigjson', metadata: { name: 'quaycreds', namespace: 'myapp' } });
    expect(JSON.parse(Buffer.from(s.data['.dockerconfigjson'], 'base64').toString())).toEqual(cfg);
  });

  it('--password-stdin drops one trailing newline only; empty is an error', () => {
    expect(passwordFromStdin('secret\n')).toBe('secret');
    expect(passwordFromStdin('secret\r\n')).toBe('secret');
    expect(passwordFromStdin(' a b \n\n')).toBe(' a b \n');
    expect(() => passwordFromStdin('\n')).toThrow('no password on stdin');
    expect(() => validateUsername('a:b')).toThrow(/may not contain ":"/);
  });

  it('redaction never shows the password or its base64 forms', () => {
    const s = secretObject('c', 'ns', dockerConfig('quay.io', 'me', 'hunter2-very-secret'));
    const text = JSON.stringify(redacted(s));
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain(b64('me:hunter2-very-secret'));
    expect(text).not.toContain(s.data['.dockerconfigjson']);
    expect(redacted(s).data).toEqual({ '.dockerconfigjson': '(redacted: me@quay.io)' });
  });
});

describe('--from-authfile', () => {
  const file = JSON.stringify({
    auths: {
      'registry.example.com': { auth: b64('user:tok') },
      'https://index.docker.io/v1/': { auth: b64('d:p') },
      'other.example.com': { username: 'u', password: 'p' },
    },
    credHelpers: { 'gcr.io': 'gcloud' },
  });

  it('copies every entry with username, password and auth', () => {
    const cfg = configFromAuthFile(file, 'auth.json');
    expect(cfg.auths['registry.example.com']).toEqual({ username: 'user', password: 'tok', auth: b64('user:tok') });
    expect(cfg.auths['other.example.com']).toEqual({ username: 'u', password: 'p', auth: b64('u:p') });
    expect(Object.keys(cfg.auths)).toHaveLength(3);
  });

  it('--registry picks one entry (scheme and /v1/ ignored) and names what exists otherwise', () => {
    expect(Object.keys(configFromAuthFile(file, 'auth.json', 'registry.example.com').auths)).toEqual(['registry.example.com']);
    expect(Object.keys(configFromAuthFile(file, 'auth.json', 'index.docker.io').auths)).toEqual(['https://index.docker.io/v1/']);
    expect(() => configFromAuthFile(file, 'auth.json', 'quay.io')).toThrow('auth.json has no credentials for quay.io');
    expect(() => configFromAuthFile(file, 'auth.json', 'gcr.io')).toThrow('(they are in the credential helper "gcloud")');
  });

  it('rejects non-JSON and empty files as usage errors (exit 2)', () => {
    expect(() => configFromAuthFile('nope', 'f')).toThrow('f is not JSON');
    try {
      configFromAuthFile('{}', 'f');
      expect.unreachable();
    } catch (e) {
      expect((e as { exitCode: number }).exitCode).toBe(2);
    }
  });
});

describe('oc secrets link', () => {
  const sa = { metadata: { name: 'default' }, secrets: [{ name: 'default-dockercfg-x' }], imagePullSecrets: [{ name: 'default-dockercfg-x' }] };
  it('appends to imagePullSecrets (pull) and secrets (mount) once', () => {
    const r = linkedServiceAccount(sa, 'creds', ['pull', 'mount']);
    expect(r.added).toEqual(['pull', 'mount']);
    expect(r.sa.imagePullSecrets).toEqual([{ name: 'default-dockercfg-x' }, { name: 'creds' }]);
    expect(r.sa.secrets).toEqual([{ name: 'default-dockercfg-x' }, { name: 'creds' }]);
    expect(linkedServiceAccount(r.sa, 'creds', ['pull', 'mount']).added).toEqual([]);
    expect(sa.imagePullSecrets).toHaveLength(1);
  });

  it('works on accounts without the lists; defaults follow seed 003', () => {
    expect(linkedServiceAccount({ metadata: { name: 'x' } }, 'c', ['pull']).sa).toEqual({ metadata: { name: 'x' }, imagePullSecrets: [{ name: 'c' }] });
    expect(defaultFor('default')).toEqual(['pull']);
    expect(defaultFor('builder')).toEqual(['mount']);
    expect(parseFor('pull,mount')).toEqual(['pull', 'mount']);
    expect(() => parseFor('push')).toThrow('invalid --for "push"');
  });
});

describe('oc secrets unlink', () => {
  const sa = {
    metadata: { name: 'default', resourceVersion: '7' },
    secrets: [{ name: 'default-dockercfg-x' }, { name: 'creds' }, { name: 'other' }],
    imagePullSecrets: [{ name: 'a' }, { name: 'creds' }, { name: 'default-dockercfg-x' }],
  };

  it('removes the secret from both lists, keeping the other entries in order; the input is not changed', () => {
    const r = unlinkedServiceAccount(sa, 'creds', ['pull', 'mount']);
    expect(r.removed).toEqual(['pull', 'mount']);
    expect(r.sa).toEqual({
      metadata: { name: 'default', resourceVersion: '7' },
      secrets: [{ name: 'default-dockercfg-x' }, { name: 'other' }],
      imagePullSecrets: [{ name: 'a' }, { name: 'default-dockercfg-x' }],
    });
    expect(sa.secrets).toHaveLength(3);
    expect(sa.imagePullSecrets).toHaveLength(3);
  });

  it('--for narrows it to one list', () => {
    const pull = unlinkedServiceAccount(sa, 'creds', ['pull']);
    expect(pull.removed).toEqual(['pull']);
    expect(pull.sa.secrets).toEqual(sa.secrets);
    expect(pull.sa.imagePullSecrets).toEqual([{ name: 'a' }, { name: 'default-dockercfg-x' }]);
    const mount = unlinkedServiceAccount(sa, 'creds', ['mount']);
    expect(mount.removed).toEqual(['mount']);
    expect(mount.sa.imagePullSecrets).toEqual(sa.imagePullSecrets);
  });

  it('is a no-op when not linked, and removes duplicates; an emptied list is omitted', () => {
    expect(unlinkedServiceAccount(sa, 'nosuch', ['pull', 'mount'])).toEqual({ sa, removed: [] });
    expect(unlinkedServiceAccount({ metadata: { name: 'x' } }, 'c', ['pull', 'mount'])).toEqual({ sa: { metadata: { name: 'x' } }, removed: [] });
    const dup = { metadata: { name: 'x' }, imagePullSecrets: [{ name: 'c' }, { name: 'c' }], secrets: [{ name: 'c' }, { name: 'd' }] };
    expect(unlinkedServiceAccount(dup, 'c', ['pull', 'mount'])).toEqual({ sa: { metadata: { name: 'x' }, secrets: [{ name: 'd' }] }, removed: ['pull', 'mount'] });
  });

  it('undoes link', () => {
    const linked = linkedServiceAccount(sa, 'new', ['pull', 'mount']).sa;
    expect(unlinkedServiceAccount(linked, 'new', ['pull', 'mount']).sa).toEqual(sa);
  });
});
