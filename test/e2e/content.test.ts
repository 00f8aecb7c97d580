// catalog, tags and inspect against the sandbox: >100 repositories (Link paging), a pushed image cross-checked
// with skopeo, auth.json and kubeconfig credentials, users without cluster-wide rights, bad references.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import { contentEnv, type ContentEnv, type OciIndex } from './support/content-env.ts';
import type { TestImage } from '../sandbox/registry/testing/image.ts';

let e: ContentEnv;
let img: TestImage;
let index: OciIndex;
let bulk: string[];
const IS = 'image.openshift.io/imagestreams';

beforeAll(async () => {
  e = await contentEnv('content');
  for (const ns of ['team', 'bulk', 'dev']) e.createNamespace(ns);
  bulk = e.createStreams('bulk', 'repo', 110, ['v1', 'v2']);
  e.createStreams('dev', 'mine', 2, ['latest']);
  e.bind('developer', 'edit', 'dev');
  img = await e.push('team/app:v1', 'content e2e\n');
  const again = await e.skopeo(['copy', '--src-cert-dir', `${e.certsDir}/${e.host}`, '--dest-cert-dir', `${e.certsDir}/${e.host}`, `docker://${e.host}/team/app:v1`, `docker://${e.host}/team/app:latest`]);
  expect(again.stderr).not.toMatch(/error/i);
  index = await e.pushIndex('team/multi:latest');
}, 60_000);
afterAll(async () => e?.stop());

const asAdmin = { env: {} };
const withAuthfile = () => ({ env: { REGISTRY_AUTH_FILE: e.authfile } });

describe('catalog', () => {
  it('follows every _catalog page (kubeconfig token, ingress CA from the cluster)', async () => {
    const r = await e.cli(['catalog', '--page-size', '40', '-o', 'json'], asAdmin);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const all = e.sb.store.list(IS).items.map((s) => `${s.metadata.namespace}/${s.metadata.name}`).sort();
    expect(all.length).toBeGreaterThan(100);
    expect(out).toEqual({ apiVersion: 'regctl.openshift.io/v1', kind: 'RepositoryList', registry: e.host, source: 'catalog', repositories: all });
    expect(out.repositories).toEqual(expect.arrayContaining([...bulk, 'team/app']));
    expect(r.all).not.toContain(e.sb.tokens.admin);
  });

  it('says what is missing for a user without cluster-wide list rights, and -n works for them', async () => {
    const dev = ['--context', 'developer', '--registry', e.host, '--certs-dir', e.certsDir];
    const denied = await e.cli(['catalog', ...dev]);
    expect(denied.code).toBe(4);
    expect(denied.stdout).toBe('');
    const lines = denied.stderr.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^error: .*_catalog.*cluster-wide "list imagestreams" \(image\.openshift\.io\)/);
    expect(lines[1]).toMatch(/^hint: .*regctl catalog -n PROJECT/);
    const own = await e.cli(['catalog', '-n', 'dev', '--context', 'developer']);
    expect(own.code).toBe(0);
    expect(own.stdout).toBe('REPOSITORY\ndev/mine-000\ndev/mine-001\n');
    expect(denied.all + own.all).not.toContain(e.sb.tokens.developer);
  });
});

describe('tags', () => {
  it('agree with skopeo list-tags, with the credentials from auth.json', async () => {
    const r = await e.cli(['tags', 'team/app', '-o', 'json'], withAuthfile());
    expect(r.code).toBe(0);
    const sk = await e.skopeo(['list-tags', '--cert-dir', `${e.certsDir}/${e.host}`, `docker://${e.host}/team/app`]);
    expect(sk.ok).toBe(true);
    expect(JSON.parse(r.stdout)).toEqual({ apiVersion: 'regctl.openshift.io/v1', kind: 'TagList', registry: e.host, name: 'team/app', tags: [...JSON.parse(sk.stdout).Tags].sort() });
    expect(JSON.parse(r.stdout).tags).toEqual(['latest', 'v1']);
  });

  it('-o wide resolves each digest (one-segment name in -n)', async () => {
    const r = await e.cli(['tags', 'app', '-n', 'team', '-o', 'wide'], withAuthfile());
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`TAG      DIGEST\nlatest   ${img.manifestDigest}\nv1       ${img.manifestDigest}\n`);
  });

  it('--all lists every repository of the catalog with its tags', async () => {
    const r = await e.cli(['tags', '--all', '-o', 'json', '--concurrency', '8'], asAdmin);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.registry).toBe(e.host);
    expect(out.repositories.length).toBe(e.sb.store.list(IS).items.length);
    const byName = new Map(out.repositories.map((x: any) => [x.name, x.tags]));
    for (const b of bulk) expect(byName.get(b)).toEqual(['v1', 'v2']);
    expect(byName.get('team/app')).toEqual(['latest', 'v1']);
  });

  it('--all -n for a project user streams name lines', async () => {
    const r = await e.cli(['tags', '--all', '-n', 'dev', '--context', 'developer', '--certs-dir', e.certsDir, '-o', 'name']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('dev/mine-000:latest\ndev/mine-001:latest\n');
  });

  it('a missing repository is exit 5; REPO and --all together is a usage error', async () => {
    const r = await e.cli(['tags', 'team/nothing'], asAdmin);
    expect(r.code).toBe(5);
    expect(r.stderr).toMatch(/^error: repository team\/nothing not found in /);
    const u = await e.cli(['tags', 'team/app', '--all']);
    expect(u.code).toBe(2);
    expect(u.stderr.trim().split('\n')).toHaveLength(2);
  });

  // auth.json holds another user's login for the host (an admin who once ran `regctl login -u developer`): the
  // registry's denial names where that token came from and the login that replaces it; after `regctl login` (the
  // kubeconfig's admin token) the same commands work.
  it('a denial of a token saved in auth.json names the file and `regctl login`; after it, access works', async () => {
    const authfile = `${e.tmp}/other-login.json`;
    fs.writeFileSync(authfile, JSON.stringify({ auths: { [e.host]: { auth: Buffer.from(`developer:${e.sb.tokens.developer!}`).toString('base64') } } }), { mode: 0o600 });
    const env = { env: { REGISTRY_AUTH_FILE: authfile } };
    const tags = await e.cli(['tags', 'team/app'], env);
    expect(tags.code, tags.all).toBe(4);
    expect(tags.stderr).toBe(
      `error: access denied by ${e.host} (repository:team/app:pull) to the token saved for ${e.host} in ${authfile}: access denied\n` +
        'hint: ask a project admin for a registry role: `regctl grant …` (pull: registry-viewer, push: registry-editor); or, if that saved login is not yours, log in again: `regctl login`\n',
    );
    const catalog = await e.cli(['catalog'], env);
    expect(catalog.code, catalog.all).toBe(4);
    expect(catalog.stderr).toContain(`which the user of the token saved for ${e.host} in ${authfile} does not have\n`);
    expect(catalog.stderr).toMatch(/; or, if that saved login is not yours, log in again: `regctl login`\n$/);
    const login = await e.cli(['login', '--certs-dir', e.certsDir], env);
    expect(login.code, login.all).toBe(0);
    const again = await e.cli(['tags', 'team/app'], env);
    expect(again.code, again.all).toBe(0);
    expect(again.stdout.split('\n')).toContain('v1');
    for (const r of [tags, catalog, login, again]) {
      expect(r.all).not.toContain(e.sb.tokens.developer!);
      expect(r.all).not.toContain(e.sb.tokens.admin!);
    }
  });
});

describe('inspect', () => {
  it('digest, layers, platform agree with skopeo inspect', async () => {
    const r = await e.cli(['inspect', 'team/app:v1', '-o', 'json'], withAuthfile());
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const sk = await e.skopeo(['inspect', '--cert-dir', `${e.certsDir}/${e.host}`, `docker://${e.host}/team/app:v1`]);
    expect(sk.ok).toBe(true);
    const s = JSON.parse(sk.stdout);
    expect(out.digest).toBe(s.Digest);
    expect(out.digest).toBe(img.manifestDigest);
    expect(out).toMatchObject({ name: `${e.host}/team/app`, repository: 'team/app', tag: 'v1', kind: 'image', mediaType: img.manifestMediaType, manifestSize: img.manifest.length });
    expect(out.image.layers.map((l: any) => l.digest)).toEqual(s.Layers);
    expect([out.image.os, out.image.architecture]).toEqual([s.Os, s.Architecture]);
    expect(out.image.size).toBe(img.config.data.length + img.layers.reduce((a, l) => a + l.data.length, 0));
  });

  it('--raw prints the manifest exactly as served (its sha256 is the digest)', async () => {
    const r = await e.cli(['inspect', `team/app@${img.manifestDigest}`, '--raw'], withAuthfile());
    expect(r.code).toBe(0);
    expect('sha256:' + createHash('sha256').update(r.stdout).digest('hex')).toBe(img.manifestDigest);
    const sk = await e.skopeo(['inspect', '--raw', '--cert-dir', `${e.certsDir}/${e.host}`, `docker://${e.host}/team/app:v1`]);
    expect(r.stdout).toBe(sk.stdout);
  });

  it('table output names the digest and layers', async () => {
    const r = await e.cli(['inspect', 'team/app'], asAdmin);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Name: +${e.host}/team/app\\nTag: +latest\\nDigest: +${img.manifestDigest}\\n`));
    expect(r.stdout).toMatch(/Platform: +linux\/amd64/);
    expect(r.stdout).toContain(img.layers[0]!.digest);
  });

  it('an OCI index: its digest and platforms, linux/amd64 resolved, --platform picks another', async () => {
    const r = await e.cli(['inspect', 'team/multi', '-o', 'json'], withAuthfile());
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    const sk = await e.skopeo(['inspect', '--raw', '--cert-dir', `${e.certsDir}/${e.host}`, `docker://${e.host}/team/multi:latest`]);
    expect(sk.stdout).toBe(index.raw.toString());
    expect(out).toMatchObject({ kind: 'index', digest: index.digest, mediaType: 'application/vnd.oci.image.index.v1+json', platform: 'linux/amd64' });
    expect(out.manifests.map((m: any) => [m.platform, m.digest])).toEqual(index.images.map((i) => [i.platform, i.digest]));
    expect(out.image).toMatchObject({ digest: index.images[0]!.digest, architecture: 'amd64', labels: { arch: 'amd64' } });
    const arm = await e.cli(['inspect', 'team/multi', '--platform', 'linux/arm64', '-o', 'json'], withAuthfile());
    expect(JSON.parse(arm.stdout).image).toMatchObject({ digest: index.images[1]!.digest, architecture: 'arm64', variant: 'v8', layers: [{ digest: index.images[1]!.layer }] });
  });

  it('bad references are one-line usage errors (exit 2); unknown tags exit 5', async () => {
    for (const bad of ['Team/app:v1', 'a/b/c:1']) {
      const r = await e.cli(['inspect', bad]);
      expect(r.code, bad).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines, bad).toHaveLength(2);
      expect(lines[0]).toMatch(/^error: invalid image /);
      expect(lines[1]).toMatch(/^hint: /);
    }
    const nf = await e.cli(['inspect', 'team/app:nope'], asAdmin);
    expect(nf.code).toBe(5);
    expect(nf.stderr).toMatch(/^error: image .*team\/app:nope not found/);
    expect(nf.stderr).toMatch(/^hint: list its tags: `regctl tags team\/app`$/m);
    // A repository that does not exist: its tags cannot be listed either, so the hint is the project's repositories.
    const repo = await e.cli(['inspect', 'team/nothing:v1'], asAdmin);
    expect(repo.code, repo.all).toBe(5);
    expect(repo.stderr).toBe(`error: repository team/nothing not found in ${e.host} (repository name not known to registry)\nhint: list the repositories: \`regctl catalog -n team\`\n`);
    const tags = await e.cli(['tags', 'team/nothing'], asAdmin);
    expect(tags.code).toBe(5); // what the old hint (`regctl tags team/nothing`) led to
  });
});
