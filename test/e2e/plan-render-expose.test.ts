// issue 18 parts 1-2 with expose: the plan is the operator-config patch (spec.defaultRoute / spec.routes) and the
// route's TLS secret. `--render manifests` applied with kubectl --server-side and `--render acm-policy` enforced by the
// sandbox's configuration-policy controller give the config and secret `expose` itself gives; no rendering carries the
// private key; --dry-run=server changes nothing; --remove (a removal) and the local steps cannot be rendered.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import { createCA } from '../sandbox/pki.ts';
import { runTool } from './support/tool.ts';
import { acmHubSetup } from './support/acm.ts';
import { files } from './support/files.ts';

const NS = 'openshift-image-registry';
const CFG = 'imageregistry.operator.openshift.io/configs';
const ROUTES = 'route.openshift.io/routes';
const POLICIES = 'policy.open-cluster-management.io/policies';
const HOST = 'registry.gitops.example';
const SECRET = 'gitops-route-tls';

let sb: Sandbox;
let tmp: string;
let baseline: any;
let pem: { cert: string; key: string; ca: string; keyPem: string; certPem: string; caPem: string };

const cli = (args: string[]) => runCli(args, { env: { ...sb.env, HOME: tmp }, timeoutMs: 50_000 });
const kubectl = (args: string[]) => runTool('kubectl', args, sb.env, tmp);
const config = () => sb.store.get(CFG, undefined, 'cluster') as any;
const secret = () => sb.store.get('/secrets', NS, SECRET) as any;
const route = (name: string) => sb.store.get(ROUTES, NS, name) as any;
const dir = (name: string) => fs.mkdtempSync(path.join(tmp, `${name}-`));
const writeText = (name: string, text: string) => {
  const p = path.join(tmp, name);
  fs.writeFileSync(p, text);
  return p;
};
/** What expose decides: the default route switch, spec.routes, and the TLS secret (type, label, data). */
const state = () => ({
  defaultRoute: config().spec.defaultRoute ?? false,
  routes: config().spec.routes ?? [],
  secret: secret() ? { type: secret().type, managedBy: secret().metadata.labels?.['app.kubernetes.io/managed-by'], data: secret().data } : undefined,
});
const admitted = (name: string, host?: string) =>
  sb.waitFor(() => {
    const r = route(name);
    return Boolean(r && (!host || r.spec.host === host) && r.status?.ingress?.[0]?.conditions?.some((c: any) => c.type === 'Admitted' && c.status === 'True'));
  }, 20_000);

/** Back to the fresh install: no default route, no custom routes, no TLS secret (the operator removes the routes). */
async function reset(): Promise<void> {
  sb.store.update(CFG, { ...config(), spec: structuredClone(baseline) });
  if (secret()) sb.store.delete('/secrets', NS, SECRET);
  await sb.waitFor(() => !route('default-route') && !route('gitops'), 20_000);
}

const ROUTE = () => ['expose', '--route', 'gitops', '--hostname', HOST, '--cert', pem.cert, '--key', pem.key, '--ca', pem.ca];
/** Neither the key nor the certificate data, as PEM lines or base64, in the text. */
const expectNoKey = (text: string) => {
  expect(text).not.toContain(pem.keyPem.split('\n')[1]!);
  expect(text).not.toContain(Buffer.from(pem.keyPem).toString('base64').slice(0, 40));
};

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-plan-render-expose-'));
  sb = await startSandbox();
  baseline = structuredClone(config().spec);
  const ca = await createCA('gitops-registry-ca');
  const leaf = await ca.issue({ commonName: HOST, dnsNames: [HOST], server: true });
  pem = { cert: writeText('tls.crt', leaf.certPem), key: writeText('tls.key', leaf.keyPem), ca: writeText('ca.crt', ca.certPem), keyPem: leaf.keyPem, certPem: leaf.certPem, caPem: ca.certPem };
}, 60_000);
afterAll(async () => {
  await sb?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('expose --render', () => {
  it('--default-route: manifests applied with kubectl --server-side give the config expose gives; re-render is byte-identical', async () => {
    const direct = await cli(['expose', '--default-route']);
    expect(direct.code, direct.stderr).toBe(0);
    const want = state();
    expect(want.defaultRoute).toBe(true);
    await reset();

    const [d1, d2] = [dir('default'), dir('default')];
    for (const d of [d1, d2]) {
      const r = await cli(['expose', '--default-route', '--render', 'manifests', '--output-dir', d]);
      expect(r.code, r.stderr).toBe(0);
    }
    expect(files(d1)).toEqual(files(d2));
    expect(state().defaultRoute).toBe(false); // rendering changes nothing
    const docs = Object.values(files(d1)).map((t) => yaml.load(t) as any);
    expect(docs).toEqual([{ apiVersion: 'imageregistry.operator.openshift.io/v1', kind: 'Config', metadata: { name: 'cluster' }, spec: { defaultRoute: true } }]);
    const applied = await kubectl(['apply', '--server-side', '--force-conflicts', '-f', d1]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(state()).toEqual(want);
    await admitted('default-route');
    // expose sees the applied state: nothing more to do.
    const again = await cli(['expose', '--default-route']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('already exposed by the default route');
    await reset();
  });

  it('--route with a TLS secret: manifests (--show-secrets) applied give the config and secret expose gives; without it no key in any file', async () => {
    const direct = await cli(ROUTE());
    expect(direct.code, direct.stderr).toBe(0);
    const want = state();
    expect(want.routes).toEqual([{ name: 'gitops', hostname: HOST, secretName: SECRET }]);
    expect(Buffer.from(want.secret!.data['tls.key'], 'base64').toString()).toBe(pem.keyPem);
    await reset();

    const redacted = dir('redacted');
    const r = await cli([...ROUTE(), '--render', 'manifests', '--output-dir', redacted]);
    expect(r.code, r.stderr).toBe(0);
    for (const t of Object.values(files(redacted))) expectNoKey(t);
    expectNoKey(r.stdout + r.stderr);
    expect(Object.values(files(redacted)).join('\n')).toContain('tls.key: <redacted>');

    const shown = dir('shown');
    const s = await cli([...ROUTE(), '--render', 'manifests', '--output-dir', shown, '--show-secrets']);
    expect(s.code, s.stderr).toBe(0);
    expectNoKey(s.stdout + s.stderr);
    expect(state()).toEqual({ defaultRoute: false, routes: [], secret: undefined });
    const applied = await kubectl(['apply', '--server-side', '--force-conflicts', '-f', shown]);
    expect(applied.code, applied.stderr).toBe(0);
    expect(state()).toEqual(want);
    await admitted('gitops', HOST);
    await reset();
  });

  it('acm-policy (enforce) on the self-managed hub becomes Compliant and gives the config and secret expose gives', async () => {
    const direct = await cli(ROUTE());
    expect(direct.code, direct.stderr).toBe(0);
    const want = state();
    await reset();

    const d = dir('acm');
    const args = [...ROUTE(), '--render', 'acm-policy', '--remediation', 'enforce', '--placement-label', 'vendor=OpenShift', '--render-namespace', 'policies', '--output-dir', d];
    const r = await cli(args);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`Secret policies/${SECRET} on the hub`);
    const again = dir('acm');
    expect((await cli(args.slice(0, -1).concat(again))).code).toBe(0);
    expect(files(again)).toEqual(files(d));
    for (const t of Object.values(files(d))) expectNoKey(t);
    expect(Object.values(files(d)).join('\n')).toContain(`tls.key: "{{hub fromSecret \\"policies\\" \\"${SECRET}\\" \\"tls.key\\" hub}}"`);

    for (const a of [
      ...acmHubSetup(tmp),
      ['create', 'secret', 'generic', SECRET, '-n', 'policies', `--from-file=tls.crt=${pem.cert}`, `--from-file=tls.key=${pem.key}`, `--from-file=tls.cacrt=${pem.ca}`],
      ['apply', '-f', d],
    ]) {
      const k = await kubectl(a);
      expect(k.code, `${a.join(' ')}: ${k.stderr}`).toBe(0);
    }
    const root = () => sb.store.get(POLICIES, 'policies', 'regctl-expose-route-gitops') as any;
    await sb.waitFor(() => root()?.status?.compliant === 'Compliant', 30_000);
    expect(state()).toEqual(want);
    const del = await kubectl(['delete', '-f', d]);
    expect(del.code, del.stderr).toBe(0);
    await reset();
  });

  it('--dry-run=server has the API server check the writes and changes nothing; the plan shows no key', async () => {
    const before = JSON.stringify([config().metadata.resourceVersion, state()]);
    const r = await cli([...ROUTE(), '--dry-run=server']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`server dry run: create Secret ${NS}/${SECRET}`);
    expect(r.stderr).toContain('server dry run: patch Config cluster: spec.routes add gitops');
    expect(r.stdout).toContain('# dry run (checked by the API server): nothing was changed');
    expectNoKey(r.stdout + r.stderr);
    expect(JSON.stringify([config().metadata.resourceVersion, state()])).toBe(before);
  });

  // The secret's delete carries a DeleteOptions body (its uid precondition); kube-apiserver then reads dryRun from the
  // body only (handlers/delete.go), so a dryRun left in the query would really delete the secret.
  it('--route NAME --remove --dry-run=server checks the secret delete and keeps the secret and the route', async () => {
    const made = await cli(ROUTE());
    expect(made.code, made.stderr).toBe(0);
    await admitted('gitops', HOST);
    const before = JSON.stringify([config().metadata.resourceVersion, state()]);
    expect(state().secret?.managedBy).toBe('regctl');
    const r = await cli(['expose', '--route', 'gitops', '--remove', '--dry-run=server']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`server dry run: delete Secret ${NS}/${SECRET}`);
    expect(JSON.stringify([config().metadata.resourceVersion, state()])).toBe(before);
    expect(route('gitops')).toBeTruthy();
    await reset();
  });

  it('--remove and the local steps (--trust, --ca-out) cannot be rendered: exit 2 with a hint, nothing written', async () => {
    const d = dir('refused');
    for (const args of [
      ['expose', '--remove', '--route', 'gitops', '--render', 'manifests', '--output-dir', d],
      ['expose', '--remove', '--route', 'gitops', '--render', 'acm-policy', '--output-dir', d],
      ['expose', '--default-route', '--trust', '--render', 'manifests', '--output-dir', d],
    ]) {
      const r = await cli(args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^error: .*cannot be rendered/m);
      expect(r.stderr).toMatch(/^hint: /m);
    }
    expect(fs.readdirSync(d)).toEqual([]);
  });
});
