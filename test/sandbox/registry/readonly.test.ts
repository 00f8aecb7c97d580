// spec.readOnly end to end in the sandbox: the operator renders REGISTRY_STORAGE_MAINTENANCE_READONLY into the
// Deployment, the rolled-out pods serve writes from a docker-registry in distribution's read-only maintenance mode
// (405 "Method not allowed", Allow: GET, HEAD — registry/handlers/{manifests,blob,blobupload}.go), reads keep working,
// and readOnly=false makes pushes work again. Checked with skopeo, curl and kubectl (no regctl).
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentEnv, type ContentEnv } from '../../e2e/support/content-env.ts';
import { pushRandom } from '../../e2e/support/prune-fixtures.ts';
import { runTool } from '../../e2e/support/tool.ts';
import { READONLY_ENV } from './maintenance.ts';

const pexec = promisify(execFile);
const NS = 'openshift-image-registry';
let env: ContentEnv;
let v1: { digest: string; layer: string };

const registryEnv = (spec: any) => ((spec?.containers ?? []).find((c: any) => c.name === 'registry')?.env ?? []) as Array<{ name: string; value?: string }>;
const hasReadOnly = (spec: any) => registryEnv(spec).some((e) => e.name === READONLY_ENV);

/** kubectl patch of spec.readOnly, then until the rollout is done: every live registry pod is ready and has (or lacks) the env. */
async function setReadOnly(on: boolean): Promise<void> {
  const r = await runTool('kubectl', ['patch', 'configs.imageregistry.operator.openshift.io', 'cluster', '--type=merge', '-p', JSON.stringify({ spec: { readOnly: on } })], env.sb.env, `${env.tmp}/home`);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  await env.sb.waitFor((s) => {
    const d: any = s.get('apps/deployments', NS, 'image-registry');
    if (!d || hasReadOnly(d.spec.template.spec) !== on) return false;
    const pods = s.list('/pods', NS, { labelSelector: 'docker-registry=default' }).items.filter((p: any) => !p.metadata.deletionTimestamp);
    const ready = (p: any) => (p.status?.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True');
    return pods.length === d.spec.replicas && pods.every((p: any) => ready(p) && hasReadOnly(p.spec) === on);
  }, 30_000);
}

/** One raw request through the router to the default route, as the admin. */
async function curl(method: string, urlPath: string): Promise<{ status: number; headers: string; body: string }> {
  const ca = path.join(env.certsDir, env.host, 'ca.crt');
  const { stdout } = await pexec('curl', ['-sS', '-i', '--suppress-connect-headers', '-X', method, '--proxy', env.sb.proxyUrl, '--cacert', ca, '-H', `Authorization: Bearer ${env.sb.tokens.admin}`, `https://${env.host}${urlPath}`], { timeout: 30_000 });
  const [head, ...rest] = stdout.split('\r\n\r\n');
  return { status: Number(/^HTTP\/\S+ (\d+)/.exec(head!)?.[1]), headers: head!, body: rest.join('\r\n\r\n') };
}

const files = (dir: string): string[] => fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();

beforeAll(async () => {
  env = await contentEnv('readonly');
  env.createNamespace('team');
  v1 = await pushRandom(env, 'team/app:v1', 4096);
}, 60_000);

afterAll(async () => {
  await env?.stop();
});

describe('spec.readOnly', () => {
  it('refuses pushes and deletes as distribution does, and keeps storage untouched', async () => {
    await setReadOnly(true);
    const before = files(env.sb.registryStorageDir);
    // skopeo's own words for distribution's answer (containers/image docker/docker_image_dest.go: initiating layer upload).
    await expect(pushRandom(env, 'team/app:v2', 4096)).rejects.toThrow(
      `writing blob: initiating layer upload to /v2/team/app/blobs/uploads/ in ${env.host}: StatusCode: 405, Method not allowed`,
    );
    await expect(pushRandom(env, 'team/other:v1', 4096)).rejects.toThrow('StatusCode: 405, Method not allowed');
    // Every blob already there: skopeo goes straight to the manifest PUT, refused the same way.
    const cert = path.join(env.certsDir, env.host);
    const retag = await env.skopeo(['copy', '--src-cert-dir', cert, '--dest-cert-dir', cert, `docker://${env.host}/team/app:v1`, `docker://${env.host}/team/app:v3`]);
    expect(retag.ok).toBe(false);
    expect(retag.stderr).toContain(`writing manifest: uploading manifest v3 to ${env.host}/team/app: StatusCode: 405, Method not allowed`);

    for (const [method, p] of [
      ['POST', '/v2/team/app/blobs/uploads/'],
      ['DELETE', `/v2/team/app/manifests/${v1.digest}`],
      ['DELETE', '/v2/team/app/manifests/v1'],
      ['PUT', '/v2/team/app/manifests/v2'],
      ['DELETE', `/v2/team/app/blobs/${v1.layer}`],
    ] as const) {
      const r = await curl(method, p);
      expect({ method, p, status: r.status }).toEqual({ method, p, status: 405 });
      expect(r.body).toBe('Method not allowed\n');
      expect(r.headers).toMatch(/^Allow: GET, HEAD$/im);
      expect(r.headers).toMatch(/^Content-Type: text\/plain; charset=utf-8$/im);
    }
    expect(files(env.sb.registryStorageDir)).toEqual(before);
    // The image stream still has only v1; nothing was created for team/other.
    const is: any = env.sb.store.get('image.openshift.io/imagestreams', 'team', 'app');
    expect(is.status.tags.map((t: any) => t.tag)).toEqual(['v1']);
    expect(env.sb.store.get('image.openshift.io/imagestreams', 'team', 'other')).toBeUndefined();
  });

  it('still serves pulls while read-only', async () => {
    const cert = path.join(env.certsDir, env.host);
    const inspect = await env.skopeo(['inspect', '--cert-dir', cert, `docker://${env.host}/team/app:v1`]);
    expect(inspect.stderr).toBe('');
    expect(JSON.parse(inspect.stdout).Digest).toBe(v1.digest);
    const out = path.join(env.tmp, 'pulled');
    const pull = await env.skopeo(['copy', '--src-cert-dir', cert, `docker://${env.host}/team/app:v1`, `dir:${out}`]);
    expect(pull.ok).toBe(true);
    expect(fs.existsSync(path.join(out, v1.layer.slice(7)))).toBe(true);
    expect((await curl('GET', '/v2/team/app/tags/list')).status).toBe(200);
  });

  it('accepts pushes and deletes again after readOnly=false', async () => {
    await setReadOnly(false);
    const v2 = await pushRandom(env, 'team/app:v2', 4096);
    const is: any = env.sb.store.get('image.openshift.io/imagestreams', 'team', 'app');
    expect(is.status.tags.find((t: any) => t.tag === 'v2').items[0].image).toBe(v2.digest);
    // By tag: OpenShift's tag service answers 202 and keeps the stream's tag.
    expect((await curl('DELETE', '/v2/team/app/manifests/v2')).status).toBe(202);
  });
});
