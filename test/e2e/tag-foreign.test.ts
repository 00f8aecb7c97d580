// issue 19: `regctl tag docker://HOST/REPO:TAG NEW…` in a registry that is not OpenShift's (Debian's
// docker-registry with htpasswd): the manifest is stored under the new tags, checked with skopeo (list-tags,
// digests); the password from auth.json never shows; --dry-run changes nothing.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { buildImage, writeDirImage, type TestImage } from '../sandbox/registry/testing/image.ts';
import { startForeignRegistry, type ForeignRegistry } from './support/docker-registry.ts';
import { expectOneError } from './support/expect-error.ts';

const exec = promisify(execFile);
const USER = 'robot-tagger';
const PASSWORD = `pw-${Math.random().toString(36).slice(2)}-secret`;

let tmp: string;
let reg: ForeignRegistry;
let img: TestImage;
let authfile: string;

const env = () => ({ HOME: path.join(tmp, 'home'), XDG_RUNTIME_DIR: path.join(tmp, 'xdg'), NO_PROXY: '127.0.0.1,localhost' });
const cli = (args: string[]) => runCli(args, { env: env(), timeoutMs: 40_000 });
const flags = () => ['--ca-file', reg.caFile, '--authfile', authfile];

async function skopeo(args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  try {
    const r = await exec('skopeo', args, { env: { PATH: process.env.PATH, ...env() }, timeout: 40_000 });
    return { ok: true, stdout: r.stdout, stderr: r.stderr };
  } catch (e: any) {
    return { ok: false, stdout: String(e.stdout ?? ''), stderr: String(e.stderr ?? e.message) };
  }
}
const creds = () => ['--creds', `${USER}:${PASSWORD}`, '--cert-dir', reg.certDir];
async function tags(): Promise<string[]> {
  const r = await skopeo(['list-tags', ...creds(), `docker://${reg.host}/team/app`]);
  expect(r.ok).toBe(true);
  return (JSON.parse(r.stdout).Tags as string[]).sort();
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-tag-foreign-'));
  fs.mkdirSync(path.join(tmp, 'home'));
  fs.mkdirSync(path.join(tmp, 'xdg'), { mode: 0o700 });
  reg = await startForeignRegistry({ dir: path.join(tmp, 'reg'), auth: 'htpasswd', user: USER, password: PASSWORD });
  img = buildImage('retagged in a registry that is not OpenShift\n');
  const dir = path.join(tmp, 'image');
  await writeDirImage(dir, img);
  const push = await skopeo(['copy', '--dest-creds', `${USER}:${PASSWORD}`, '--dest-cert-dir', reg.certDir, `dir:${dir}`, `docker://${reg.host}/team/app:1.0`]);
  expect(push.ok).toBe(true);
  authfile = path.join(tmp, 'auth.json');
  fs.writeFileSync(authfile, JSON.stringify({ auths: { [reg.host]: { auth: Buffer.from(`${USER}:${PASSWORD}`).toString('base64') } } }), { mode: 0o600 });
}, 60_000);

afterAll(async () => {
  await reg?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('regctl tag in another registry', () => {
  it('--dry-run changes nothing', async () => {
    const r = await cli(['tag', `docker://${reg.host}/team/app:1.0`, 'latest', ...flags(), '--dry-run', '-o', 'json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ apiVersion: 'regctl.openshift.io/v1', kind: 'TagResult', dryRun: true, items: [{ tag: 'latest', digest: img.manifestDigest, result: 'would tag' }] });
    expect(await tags()).toEqual(['1.0']);
  });

  it('stores the manifest under a bare tag and a docker:// tag: same digest, same media type', async () => {
    const r = await cli(['tag', `docker://${reg.host}/team/app:1.0`, 'latest', `docker://${reg.host}/team/app:1`, ...flags(), '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.items.map((i: any) => [i.tag, i.result, i.mediaType])).toEqual([
      ['latest', 'tagged', img.manifestMediaType],
      ['1', 'tagged', img.manifestMediaType],
    ]);
    expect(await tags()).toEqual(['1', '1.0', 'latest']);
    for (const t of ['1', 'latest']) {
      const i = await skopeo(['inspect', ...creds(), '--format', '{{.Digest}}', `docker://${reg.host}/team/app:${t}`]);
      expect(i.stdout.trim()).toBe(img.manifestDigest);
    }
    expect(r.all).not.toContain(PASSWORD);
    const again = await cli(['tag', `docker://${reg.host}/team/app:1.0`, 'latest', ...flags(), '-o', 'json']);
    expect(JSON.parse(again.stdout).items[0].result).toBe('unchanged');
  });

  it('refuses another repository, and a missing source is exit 5', async () => {
    const other = await cli(['tag', `docker://${reg.host}/team/app:1.0`, `docker://${reg.host}/team/other:1`, ...flags()]);
    expect(other.code).toBe(2);
    expectOneError(other, /a retag stays in one repository/, /`regctl copy docker:\/\/\S+ docker:\/\/\S+`/);
    const missing = await cli(['tag', `docker://${reg.host}/team/app:nope`, 'x', ...flags()]);
    expect(missing.code).toBe(5);
    expect(await tags()).toEqual(['1', '1.0', 'latest']);
  });
});
