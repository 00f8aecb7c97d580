// Pushing to a NEW image stream needs `create imagestreams` (issue 15, item 1). The real registry records a push
// with an ImageStreamMapping; openshift-apiserver never creates a missing stream, so the registry creates it with
// the pushing user's own token, and a user with only system:image-pusher gets 403 DENIED. skopeo (an independent
// client) shows what the registry does; `regctl access` and `regctl doctor --push-test` must say the same and name
// the grant that fixes it (`regctl grant builder`). A push into a project that does not exist is a 403 too.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import { loginEnv, type LoginEnv } from './support/login-env.ts';

const NS = 'newstreams';
const IS = 'image.openshift.io/imagestreams';
const RB = 'rbac.authorization.k8s.io/rolebindings';

describe('push to a new image stream', () => {
  let sb: Sandbox;
  let t: LoginEnv;
  let certs: string;
  let granted: { code: number | null; stderr: string; all: string };
  const noSecrets = (all: string) => {
    expect(all).not.toContain(sb.tokens.admin);
    expect(all).not.toContain(sb.tokens.developer);
  };
  /** skopeo copy of the prepared image as USER with TOKEN (a fresh token: the registry caches reviews per token). */
  const skopeoPush = async (user: string, token: string, repo: string) => {
    const authfile = path.join(t.tmp, `${user}-${Date.now()}-${Math.random().toString(16).slice(2)}.json`);
    fs.writeFileSync(authfile, JSON.stringify({ auths: { [sb.defaultRouteHost]: { auth: Buffer.from(`${user}:${token}`).toString('base64') } } }), { mode: 0o600 });
    return t.skopeo(['copy', '--dest-authfile', authfile, '--dest-cert-dir', certs, `dir:${t.imageDir}`, `docker://${sb.defaultRouteHost}/${repo}`]);
  };
  const doctor = async (args: string[]) => {
    const r = await t.cli(['doctor', '--certs-dir', t.certsDir, '--registry', sb.defaultRouteHost, ...args, '-o', 'json'], { env: { REGISTRY_AUTH_FILE: path.join(t.tmp, 'none.json') } });
    noSecrets(r.all);
    const report = JSON.parse(r.stdout) as { checks: Array<{ id: string; verdict: string; summary: string; fix?: string; evidence: string[]; details?: Record<string, unknown> }> };
    return { r, check: (id: string) => report.checks.find((c) => c.id === id)! };
  };

  beforeAll(async () => {
    sb = await startSandbox({ profile: 'aws' });
    t = await loginEnv(sb, 'push-new-stream');
    sb.store.create('/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } });
    await sb.waitFor((s) => !!s.get(RB, NS, 'system:image-builders'));
    const exposed = await t.cli(['expose', '--default-route', '--trust', '--certs-dir', t.certsDir]);
    expect(exposed.code, exposed.all).toBe(0);
    certs = path.join(t.certsDir, sb.defaultRouteHost);
    expect(fs.existsSync(path.join(certs, 'ca.crt'))).toBe(true);
    granted = await t.cli(['grant', 'pusher', 'developer', '-n', NS]);
    expect(granted.code, granted.all).toBe(0);
  });
  afterAll(async () => {
    await sb?.stop();
    t?.cleanup();
  });

  it('skopeo: system:image-pusher alone → the manifest PUT is denied (403) and no stream is created; grant pusher said so', async () => {
    expect(granted.stderr).toContain(`note: system:image-pusher allows pushing to existing image streams only; a push to a new name is denied (403) unless the subject may also create imagestreams (regctl grant builder … -n ${NS})`);
    const push = await skopeoPush('developer', sb.issueToken('developer'), `${NS}/app:v1`);
    expect(push.ok).toBe(false);
    expect(push.stderr).toMatch(/uploading manifest v1 to .*\/newstreams\/app: denied/);
    expect(sb.store.get(IS, NS, 'app')).toBeUndefined();
  });

  it('access: developer may push to existing image streams but not to new ones, and is told `regctl grant builder`', async () => {
    const json = await t.cli(['access', 'developer', '-n', NS, '-o', 'json']);
    expect(json.code, json.all).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report.checks.pushNew).toBe(`create imagestreams in ${NS} (a push to a new name: the registry creates the image stream with the pusher's own token)`);
    expect(report.subjects[0].allowed).toMatchObject({ pull: true, push: true, pushNew: false });
    expect(json.stderr).toContain(`developer may push to existing image streams in ${NS} but not to a new name (the registry creates the image stream with developer's own token, and developer may not create imagestreams): regctl grant builder developer -n ${NS}`);

    const table = await t.cli(['access', 'developer', '-n', NS]);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SUBJECT\s+PULL\s+PUSH\s+PUSH-NEW\s+CATALOG\s+METRICS\s+PRUNE\s+VIA$/);
    expect(lines[1]).toMatch(/^User developer\s+yes\s+yes\s+-\s+-\s+-\s+-\s+RoleBinding\/system:image-pusher$/);
  });

  it('doctor --push-test: rbac warns, the push test fails for the new stream and names `regctl grant builder`; the grant fixes it', async () => {
    // So that regctl can confirm --registry HOST as this cluster's registry (the token rule): the reader role.
    const reader = await t.cli(['grant', 'reader', 'developer']);
    expect(reader.code, reader.all).toBe(0);
    const { r, check } = await doctor(['--context', 'developer', '-n', NS, '--only', 'rbac,push-test']);
    expect(r.code).toBe(3);
    expect(check('rbac')).toMatchObject({ verdict: 'warn', fix: `regctl grant builder developer -n ${NS}` });
    expect(check('rbac').summary).toBe(`developer may push to existing image streams in ${NS} but not to a new name (create imagestreams denied)`);
    const pushTest = check('push-test');
    expect(pushTest.verdict).toBe('fail');
    expect(pushTest.summary).toBe(
      `the push failed: the registry denied it (403 DENIED): regctl-doctor is a new image stream, which the registry creates with your own token, and developer may not create imagestreams in ${NS}`,
    );
    expect(pushTest.fix).toBe(`regctl grant builder developer -n ${NS}`);
    expect(sb.store.get(IS, NS, 'regctl-doctor')).toBeUndefined();

    const fix = await t.cli(pushTest.fix!.replace(/^regctl /, '').split(' '));
    expect(fix.code, fix.all).toBe(0);
    const push = await skopeoPush('developer', sb.issueToken('developer'), `${NS}/app:v1`);
    expect(push.ok, push.stderr).toBe(true);
    expect(((sb.store.get(IS, NS, 'app') as any).status.tags as any[]).map((x) => x.tag)).toEqual(['v1']);
    const after = await doctor(['--context', 'developer', '-n', NS, '--only', 'rbac,push-test']);
    expect(after.r.code, after.r.all).toBe(0);
    expect(after.check('rbac').verdict).toBe('ok');
    expect(after.check('push-test').summary).toMatch(new RegExp(`^pushed ${NS}/regctl-doctor:doctor-`));
  });

  it('a project that does not exist: skopeo gets 403 denied (not 404), doctor says the project does not exist', async () => {
    const push = await skopeoPush('admin', sb.tokens.admin!, 'no-such-project/app:v1');
    expect(push.ok).toBe(false);
    expect(push.stderr).toMatch(/uploading manifest v1 to .*\/no-such-project\/app: denied/);
    const { r, check } = await doctor(['-n', 'no-such-project', '--only', 'push-test']);
    expect(r.code).toBe(3);
    expect(check('push-test')).toMatchObject({ verdict: 'fail', fix: 'oc new-project no-such-project' });
    expect(check('push-test').summary).toBe('the push failed: the registry denied it (403 DENIED): the project no-such-project does not exist');
  });
});
