// What regctl says happens after unlinking a service account's own pull secret for the integrated registry
// (ownPullSecretWarning): 4.16+ by the ref annotation, 4.15 and older by openshift-controller-manager's name prefix
// (create_dockercfg_secrets.go, library-go naming.GetName).
import { describe, expect, it } from 'vitest';
import { dockercfgPrefix, ownPullSecretWarning, unlinkedServiceAccount } from '../../src/cluster/pull-secret.js';

const sa = (name: string, secrets: string[], pull: string[], ref?: string) => ({
  metadata: { name, ...(ref ? { annotations: { 'openshift.io/internal-registry-pull-secret-ref': ref } } : {}) },
  ...(secrets.length ? { secrets: secrets.map((n) => ({ name: n })) } : {}),
  ...(pull.length ? { imagePullSecrets: pull.map((n) => ({ name: n })) } : {}),
});
const warn = (a: ReturnType<typeof sa>, secret: string, fors: Array<'pull' | 'mount'>, token?: string) => ownPullSecretWarning(a, unlinkedServiceAccount(a, secret, fors).sa, secret, token);

describe('dockercfgPrefix (naming.GetName(sa, "dockercfg-", 58))', () => {
  it('keeps short names and hashes long ones (FNV-1a 32 of the name, zero-padded hex)', () => {
    expect(dockercfgPrefix('default')).toBe('default-dockercfg-');
    expect(dockercfgPrefix('a'.repeat(47))).toBe(`${'a'.repeat(47)}-dockercfg-`);
    expect(dockercfgPrefix('a'.repeat(60))).toBe(`${'a'.repeat(38)}-92b9e111-dockercfg-`);
  });
});

describe('ownPullSecretWarning', () => {
  it('4.16+: the annotated secret is linked again; another one is not the own secret, whatever its name', () => {
    const a = sa('default', ['default-dockercfg-aaaaa'], ['default-dockercfg-aaaaa'], 'default-dockercfg-aaaaa');
    expect(warn(a, 'default-dockercfg-aaaaa', ['pull', 'mount'])).toBe("default-dockercfg-aaaaa is serviceaccount default's own pull secret for the integrated registry: OpenShift's controller links it again right away");
    const b = sa('default', ['default-dockercfg-old'], ['default-dockercfg-old'], 'default-dockercfg-new');
    expect(warn(b, 'default-dockercfg-old', ['pull', 'mount'])).toBeUndefined();
  });

  it('4.15 and older: out of one list it is put back; out of both a new pair replaces it and the token secret is named', () => {
    const a = sa('default', ['default-dockercfg-aaaaa'], ['x', 'default-dockercfg-aaaaa']);
    expect(warn(a, 'default-dockercfg-aaaaa', ['pull'])).toMatch(/adds it back to imagePullSecrets right away \(it is still in secrets\)$/);
    expect(warn(a, 'default-dockercfg-aaaaa', ['mount'])).toMatch(/adds it back to secrets right away \(it is still in imagePullSecrets\)$/);
    expect(warn(a, 'default-dockercfg-aaaaa', ['pull', 'mount'], 'default-token-bbbbb')).toBe(
      "default-dockercfg-aaaaa is serviceaccount default's own pull secret for the integrated registry: OpenShift's controller (4.15 and older) makes a new default-dockercfg-… secret with a new token and links it in its place; default-dockercfg-aaaaa and its token secret default-token-bbbbb stay, their token still valid, until you delete default-dockercfg-aaaaa (its token secret goes with it)",
    );
  });

  it('4.15 and older: the first other own name (sorted) is what goes into the emptied list; with own names left in both lists nothing happens', () => {
    const a = sa('default', ['default-dockercfg-zzzzz'], ['default-dockercfg-ccccc', 'default-dockercfg-aaaaa']);
    expect(warn(a, 'default-dockercfg-zzzzz', ['mount'])).toMatch(/adds default-dockercfg-aaaaa to secrets right away \(default-dockercfg-aaaaa is still in imagePullSecrets\)$/);
    const b = sa('default', ['default-dockercfg-aaaaa', 'default-dockercfg-ccccc'], ['default-dockercfg-aaaaa', 'default-dockercfg-ccccc']);
    expect(warn(b, 'default-dockercfg-aaaaa', ['pull', 'mount'])).toBeUndefined();
  });

  it('not linked, or not the prefix of this account: no warning', () => {
    expect(warn(sa('default', [], []), 'default-dockercfg-aaaaa', ['pull', 'mount'])).toBeUndefined();
    expect(warn(sa('default', ['builder-dockercfg-aaaaa'], ['builder-dockercfg-aaaaa']), 'builder-dockercfg-aaaaa', ['pull', 'mount'])).toBeUndefined();
  });
});
