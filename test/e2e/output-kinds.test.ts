// Every -o json|yaml result carries apiVersion regctl.openshift.io/v1 and its kind (docs/conventions.md "Output kinds");
// grant/revoke print Kubernetes objects with their own apiVersion/kind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import yaml from 'js-yaml';
import { contentEnv, type ContentEnv } from './support/content-env.ts';

let e: ContentEnv;
const API = 'regctl.openshift.io/v1';

beforeAll(async () => {
  e = await contentEnv('output-kinds');
  e.createNamespace('team');
  await e.push('team/app:v1', 'output kinds\n');
}, 60_000);
afterAll(async () => e?.stop());

async function json(args: string[], codes = [0]): Promise<any> {
  const r = await e.cli([...args, '-o', 'json']);
  expect(codes, `${args.join(' ')}: ${r.stderr}`).toContain(r.code);
  return JSON.parse(r.stdout);
}

describe('read commands -o json', () => {
  const cases: Array<[string[], string]> = [
    [['status'], 'RegistryStatus'],
    [['access', '-n', 'team'], 'AccessReport'],
    [['catalog'], 'RepositoryList'],
    [['catalog', '-n', 'team'], 'RepositoryList'],
    [['tags', 'team/app'], 'TagList'],
    [['tags', '--all'], 'RepositoryTagsList'],
    [['config', 'get'], 'RegistryConfigValues'],
    [['config', 'get', 'logLevel'], 'RegistryConfigValues'],
    [['trust-ca', 'list'], 'TrustedCAList'],
  ];
  for (const [args, kind] of cases) {
    it(`${args.join(' ')} → ${kind}`, async () => {
      const out = await json(args);
      expect(out.apiVersion).toBe(API);
      expect(out.kind).toBe(kind);
      expect(Object.keys(out).slice(0, 2)).toEqual(['apiVersion', 'kind']);
    });
  }

  it('keeps the existing fields beside apiVersion/kind (catalog, tags)', async () => {
    expect(await json(['catalog', '-n', 'team'])).toEqual({ apiVersion: API, kind: 'RepositoryList', source: 'imagestreams', namespace: 'team', repositories: ['team/app'] });
    const t = await json(['tags', 'team/app']);
    expect(t).toMatchObject({ apiVersion: API, kind: 'TagList', registry: e.host, tags: ['v1'] });
  });

  it('-o yaml carries the same envelope', async () => {
    const r = await e.cli(['catalog', '-n', 'team', '-o', 'yaml']);
    expect(r.code).toBe(0);
    expect(yaml.load(r.stdout)).toMatchObject({ apiVersion: API, kind: 'RepositoryList', repositories: ['team/app'] });
  });

  it('inspect keeps its own kind (the manifest kind) and gets no envelope', async () => {
    const out = await json(['inspect', 'team/app:v1']);
    expect(out.apiVersion).toBeUndefined();
    expect(out.kind).toBe('image');
  });
});

describe('mutating commands --dry-run -o json', () => {
  it('login / logout → LoginResult / LogoutResult', async () => {
    const authfile = path.join(e.tmp, 'kinds-auth.json');
    const login = await json(['login', '--authfile', authfile, '--dry-run']);
    expect(login).toMatchObject({ apiVersion: API, kind: 'LoginResult', dryRun: true });
    const logout = await json(['logout', '--all', '--authfile', authfile]);
    expect(logout).toMatchObject({ apiVersion: API, kind: 'LogoutResult' });
  });

  it('config get KEY -o yaml feeds config set KEY=@FILE back (the envelope is accepted)', async () => {
    const tol = path.join(e.tmp, 'kinds-tol.yaml');
    fs.writeFileSync(tol, yaml.dump([{ key: 'infra', operator: 'Exists', effect: 'NoSchedule' }]));
    expect((await e.cli(['config', 'set', `tolerations=@${tol}`])).code).toBe(0);
    const got = await e.cli(['config', 'get', 'tolerations', '-o', 'yaml']);
    expect(yaml.load(got.stdout)).toMatchObject({ apiVersion: API, kind: 'RegistryConfigValues', tolerations: [{ key: 'infra' }] });
    const back = path.join(e.tmp, 'kinds-tol-back.yaml');
    fs.writeFileSync(back, got.stdout);
    expect(await json(['config', 'set', `tolerations=@${back}`, '--dry-run'])).toMatchObject({ kind: 'Plan', steps: [] });
  });

  it('config set, set-storage --dry-run → Plan (issue 18)', async () => {
    expect(await json(['config', 'set', 'logLevel=Debug', '--dry-run'])).toMatchObject({ apiVersion: API, kind: 'Plan', name: 'config-set', dryRun: 'client' });
    expect(await json(['set-storage', 'emptydir', '--yes', '--dry-run'])).toMatchObject({ apiVersion: API, kind: 'Plan', name: 'set-storage-emptydir', dryRun: 'client' });
  });

  it('pruner set|suspend --dry-run → Plan (issue 18), pruner suspend|resume → PrunerChange', async () => {
    expect(await json(['pruner', 'set', 'keepTagRevisions=4', '--dry-run'])).toMatchObject({ apiVersion: API, kind: 'Plan', name: 'pruner-set', dryRun: 'client' });
    expect(await json(['pruner', 'suspend', '--dry-run'])).toMatchObject({ apiVersion: API, kind: 'Plan', name: 'pruner-suspend', dryRun: 'client' });
    expect(await json(['pruner', 'suspend'])).toMatchObject({ apiVersion: API, kind: 'PrunerChange', dryRun: false });
    expect(await json(['pruner', 'resume'])).toMatchObject({ apiVersion: API, kind: 'PrunerChange', dryRun: false });
  });

  it('delete --dry-run → Plan, import-image → Plan (--dry-run=server: with the preview, an ImageImportResult), expose → Plan', async () => {
    expect(await json(['delete', 'team/app:v1', '--dry-run'])).toMatchObject({ apiVersion: API, kind: 'Plan', name: 'delete', dryRun: 'client' });
    expect(await json(['import-image', 'copy:v1', '--from', `${e.host}/team/app:v1`, '--confirm', '-n', 'team', '--dry-run'])).toMatchObject({ apiVersion: API, kind: 'Plan', name: 'import-image', dryRun: 'client' });
    expect(await json(['import-image', 'copy:v1', '--from', `${e.host}/team/app:v1`, '--confirm', '-n', 'team', '--dry-run=server'])).toMatchObject({
      apiVersion: API,
      kind: 'Plan',
      dryRun: 'server',
      preview: { apiVersion: API, kind: 'ImageImportResult', dryRun: true },
    });
    expect(await json(['expose', '--default-route', '--dry-run'])).toMatchObject({ apiVersion: API, kind: 'Plan', name: 'expose-default-route', dryRun: 'client' });
  });

  it('trust-ca add --dry-run → Plan (issue 18), trust-ca add → TrustedCAChange', async () => {
    const ca = path.join(e.tmp, 'kinds-ca.pem');
    fs.writeFileSync(ca, e.sb.caPems.ingress);
    expect(await json(['trust-ca', 'add', 'registry.example.com', '--ca', ca, '--dry-run'])).toMatchObject({ apiVersion: API, kind: 'Plan', name: 'trust-ca-add', dryRun: 'client' });
    expect(await json(['trust-ca', 'add', 'registry.example.com', '--ca', ca])).toMatchObject({ apiVersion: API, kind: 'TrustedCAChange', dryRun: false, written: true });
  });

  it('grant, revoke --dry-run → Plan (issue 18)', async () => {
    const g = await json(['grant', 'puller', 'alice', '-n', 'team', '--dry-run']);
    expect(g).toMatchObject({ apiVersion: API, kind: 'Plan', name: 'grant-system-image-puller-team', dryRun: 'client' });
    const r = await json(['revoke', 'puller', 'alice', '-n', 'team', '--dry-run']);
    expect(r).toMatchObject({ apiVersion: API, kind: 'Plan', name: 'revoke', dryRun: 'client' });
  });
});
