// The seeds' "from a node" procedure against the internal service host image-registry.openshift-image-registry.svc:5000:
// log in with the user's token (podman login -u kubeadmin -p $(oc whoami -t) …, here skopeo login), push with
// --tls-verify=false, through HTTPS_PROXY. The real registry pod serves TLS itself on :5000 (REGISTRY_HTTP_TLS_*, the
// service-serving certificate), so distribution builds https upload Locations; the sandbox must do the same.
// regctl's content commands with --internal work against the same host.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ProxyAgent, request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import { buildImage, writeDirImage, type TestImage } from '../sandbox/registry/testing/image.ts';
import { runCli } from '../helpers/cli.ts';
import { runTool } from './support/tool.ts';

const SVC = 'image-registry.openshift-image-registry.svc:5000';
const STREAM = 'node-pushed';
let sb: Sandbox;
let tmp: string;
let img: TestImage;
let imgDir: string;

const env = () => ({ ...sb.env, XDG_RUNTIME_DIR: path.join(tmp, 'run') });
const tool = (cmd: string, args: string[]) => runTool(cmd, args, env(), tmp);
const regctl = (args: string[]) => runCli(args, { env: { ...env(), HOME: tmp } });

beforeAll(async () => {
  sb = await startSandbox();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-internal-push-'));
  fs.mkdirSync(path.join(tmp, 'run'), { mode: 0o700 });
  img = buildImage('pushed from a node to the service host\n');
  imgDir = path.join(tmp, 'image');
  await writeDirImage(imgDir, img);
  // The stream exists beforehand, so this test does not depend on who may create image streams on push.
  const isFile = path.join(tmp, 'is.yaml');
  fs.writeFileSync(isFile, `apiVersion: image.openshift.io/v1\nkind: ImageStream\nmetadata:\n  name: ${STREAM}\n  namespace: openshift\n`);
  const created = await tool('kubectl', ['apply', '-f', isFile]);
  expect(created.code, created.stderr).toBe(0);
}, 60_000);

afterAll(async () => {
  await sb?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('the internal service host, as from a node', () => {
  it('answers an upload start with an https Location on the service host (as a TLS-serving registry pod does)', async () => {
    const agent = new ProxyAgent({ uri: sb.proxyUrl, requestTls: { rejectUnauthorized: false } });
    try {
      const basic = Buffer.from(`kubeadmin:${sb.tokens.admin}`).toString('base64');
      const tok = await request(`https://${SVC}/openshift/token?scope=repository:openshift/${STREAM}:push,pull`, { dispatcher: agent, headers: { authorization: `Basic ${basic}` } });
      expect(tok.statusCode).toBe(200);
      const { token } = (await tok.body.json()) as { token: string };
      const start = await request(`https://${SVC}/v2/openshift/${STREAM}/blobs/uploads/`, { method: 'POST', dispatcher: agent, headers: { authorization: `Bearer ${token}` } });
      await start.body.dump();
      expect(start.statusCode).toBe(202);
      expect(String(start.headers.location)).toMatch(new RegExp(`^https://${SVC.replace(/\./g, '\\.')}/v2/openshift/${STREAM}/blobs/uploads/[0-9a-f-]+\\?_state=`));
    } finally {
      await agent.close();
    }
  });

  it('seed procedure: token login, then push with --tls-verify=false through HTTPS_PROXY', async () => {
    // podman login -u kubeadmin -p $(oc whoami -t) image-registry.openshift-image-registry.svc:5000
    const login = await tool('skopeo', ['login', '--tls-verify=false', '-u', 'kubeadmin', '-p', sb.tokens.admin!, SVC]);
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toMatch(/Login Succeeded/);
    const push = await tool('skopeo', ['copy', '--dest-tls-verify=false', `dir:${imgDir}`, `docker://${SVC}/openshift/${STREAM}:1`]);
    expect(push.code, push.stderr).toBe(0);
    const istag = await tool('kubectl', ['get', 'imagestreamtag', `${STREAM}:1`, '-n', 'openshift', '-o', 'jsonpath={.image.metadata.name}']);
    expect(istag.code, istag.stderr).toBe(0);
    expect(istag.stdout).toBe(img.manifestDigest);
    const back = await tool('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${SVC}/openshift/${STREAM}:1`]);
    expect(back.code, back.stderr).toBe(0);
    expect(Buffer.from(back.stdout).equals(img.manifest)).toBe(true);
  });

  it('with the service CA that node-ca installs (certs.d/<host>/ca.crt) instead of --tls-verify=false', async () => {
    const cm = await tool('kubectl', ['get', 'configmap', 'image-registry-certificates', '-n', 'openshift-image-registry', '-o', 'json']);
    expect(cm.code, cm.stderr).toBe(0);
    const data = JSON.parse(cm.stdout).data as Record<string, string>;
    const ca = data[SVC.replace(':', '..')];
    expect(ca).toContain('BEGIN CERTIFICATE');
    const certDir = path.join(tmp, 'certs.d', SVC);
    fs.mkdirSync(certDir, { recursive: true });
    fs.writeFileSync(path.join(certDir, 'ca.crt'), ca!);
    const push = await tool('skopeo', ['copy', '--dest-cert-dir', certDir, `dir:${imgDir}`, `docker://${SVC}/openshift/${STREAM}:2`]);
    expect(push.code, push.stderr).toBe(0);
  });

  it('regctl login --internal writes credentials skopeo pushes with; tags/inspect --internal read the pushes', async () => {
    const authfile = path.join(tmp, 'regctl-auth.json');
    const login = await regctl(['login', '--internal', '--authfile', authfile]);
    expect(login.code, login.all).toBe(0);
    expect(JSON.parse(fs.readFileSync(authfile, 'utf8')).auths[SVC]).toBeDefined();
    const push = await tool('skopeo', ['copy', '--authfile', authfile, '--dest-tls-verify=false', `dir:${imgDir}`, `docker://${SVC}/openshift/${STREAM}:3`]);
    expect(push.code, push.stderr).toBe(0);
    // No --insecure-skip-tls-verify: regctl trusts the service CA of the internal host by itself.
    const tags = await regctl(['tags', `openshift/${STREAM}`, '--internal', '--authfile', authfile, '-o', 'json']);
    expect(tags.code, tags.all).toBe(0);
    for (const t of ['1', '2', '3']) expect(tags.stdout).toContain(`"${t}"`);
    const inspect = await regctl(['inspect', `openshift/${STREAM}:3`, '--internal', '--authfile', authfile, '-o', 'json']);
    expect(inspect.code, inspect.all).toBe(0);
    expect(inspect.stdout).toContain(img.manifestDigest);
    expect(login.all + tags.all + inspect.all).not.toContain(sb.tokens.admin!);
  });
});
