// `regctl trust-ca` against the sandbox: create + patch on a fresh cluster, idempotency, dry runs, bad inputs (each a
// one-line error, exit 2, nothing changed), two concurrent adds with injected 409s, a pre-existing ConfigMap whose
// other keys survive, --from-server through the router proxy, list/remove, and the operator's image-registry-certificates.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { createCA, type CertificateAuthority } from '../sandbox/pki.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import type { KubeObject } from '../sandbox/types.js';

const DAY = 86_400_000;
const CM = '/configmaps';
const IMAGES = 'config.openshift.io/images';
const REGISTRY_NS = 'openshift-image-registry';

let sb: Sandbox;
let dir: string;
let caA: CertificateAuthority;
let caB: CertificateAuthority;
let caC: CertificateAuthority;
let caOld: CertificateAuthority;
const file = (name: string) => path.join(dir, name);

function envFor(extra: Record<string, string> = {}) {
  return { KUBECONFIG: sb.kubeconfigPath, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost', ...extra };
}
const regctl = (args: string[], extra?: Record<string, string>) => runCli(['trust-ca', ...args], { env: envFor(extra) });
const cm = (name: string) => sb.store.get(CM, 'openshift-config', name);
const imageConfig = () => sb.store.get(IMAGES, undefined, 'cluster')!;
const referenced = () => (imageConfig().spec as any)?.additionalTrustedCA?.name as string | undefined;
const fp = (pem: string) => new X509Certificate(pem).fingerprint256;
const stderrLines = (r: CliResult) => r.stderr.split('\n').filter(Boolean);

/** The operator copied every key of the referenced ConfigMap into image-registry-certificates. */
function operatorHas(keys: string[]) {
  return sb.waitFor((s) => {
    const certs = s.get(CM, REGISTRY_NS, 'image-registry-certificates');
    const have = Object.keys({ ...((certs?.data as object) ?? {}), ...((certs?.binaryData as object) ?? {}) });
    return keys.every((k) => have.includes(k));
  }, 10_000);
}

beforeAll(async () => {
  sb = await startSandbox({ profile: 'aws' });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-trust-ca-e2e-'));
  [caA, caB, caC, caOld] = await Promise.all([
    createCA('registry-a-ca'),
    createCA('registry-b-ca'),
    createCA('registry-c-ca'),
    createCA('old-ca', { notBefore: new Date(Date.now() - 400 * DAY), notAfter: new Date(Date.now() - DAY) }),
  ]);
  const leaf = await caA.issue({ commonName: 'leaf.example.com', dnsNames: ['leaf.example.com'] });
  fs.writeFileSync(file('a.pem'), caA.certPem);
  fs.writeFileSync(file('b.pem'), caB.certPem);
  fs.writeFileSync(file('c.pem'), caC.certPem);
  fs.writeFileSync(file('bundle.pem'), caB.certPem + caC.certPem);
  fs.writeFileSync(file('old.pem'), caOld.certPem);
  fs.writeFileSync(file('leaf.pem'), leaf.certPem);
  fs.writeFileSync(file('key.pem'), leaf.keyPem);
  fs.writeFileSync(file('cert-and-key.pem'), leaf.certPem + leaf.keyPem);
  fs.writeFileSync(file('empty.pem'), '');
  fs.writeFileSync(file('notes.txt'), 'this is not a certificate\n');
  fs.writeFileSync(file('ca.der'), new X509Certificate(caA.certPem).raw);
  fs.mkdirSync(file('nocerts'));
  fs.writeFileSync(file('nocerts/README'), 'x');
  fs.mkdirSync(file('cas'));
  fs.writeFileSync(file('cas/dir-one.example.com.crt'), caB.certPem);
  fs.writeFileSync(file('cas/dir-two.example.com:8443.crt'), caC.certPem);
  fs.writeFileSync(file('cas/README.md'), 'ignored');
});

afterAll(async () => {
  await sb?.stop();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

describe('trust-ca on a cluster without additionalTrustedCA', () => {
  it('list is empty (exit 0, nothing on stdout for the table, configMap null in JSON); remove has nothing to do', async () => {
    const [t, j, rm] = await Promise.all([regctl(['list']), regctl(['list', '-o', 'json']), regctl(['remove', 'registry-a.example.com:5000'])]);
    expect(t.code).toBe(0);
    expect(t.stdout).toBe('');
    expect(t.stderr).toMatch(/no additional trusted CAs/);
    expect(rm.code).toBe(0);
    expect(rm.stderr).toBe('registry-a.example.com:5000: not trusted (image.config.openshift.io/cluster references no additionalTrustedCA ConfigMap); nothing to remove\nnothing to change\n');
    expect(cm('registry-cas')).toBeUndefined();
    expect(JSON.parse(j.stdout)).toEqual({ apiVersion: 'regctl.openshift.io/v1', kind: 'TrustedCAList', namespace: 'openshift-config', configMap: null, configMapFound: false, items: [] });
  });

  it('--dry-run prints the plan: the ConfigMap and the image.config patch (text by default, kind Plan with -o json) and changes nothing', async () => {
    const before = imageConfig().metadata.resourceVersion;
    const [y, j] = await Promise.all([
      regctl(['add', 'registry-a.example.com:5000', '--ca', file('a.pem'), '--dry-run']),
      regctl(['add', 'registry-a.example.com:5000', '--ca', file('a.pem'), '--dry-run', '-o', 'json']),
    ]);
    expect(y.code).toBe(0);
    expect(y.stdout).toMatch(/^# dry run: nothing was changed\n/);
    // The ConfigMap first, then image.config pointing at it: never a reference to a missing ConfigMap.
    expect(y.stdout).toMatch(/# 1\. create ConfigMap openshift-config\/registry-cas[^\n]*\n[^]*kind: ConfigMap[^]*# 2\. patch image\.config\.openshift\.io\/cluster[^\n]*merge-patch[^]*additionalTrustedCA:\n\s+name: registry-cas/);
    expect(y.stdout).toContain('registry-a.example.com..5000: |');
    expect(y.stderr).toMatch(/would add key registry-a\.example\.com\.\.5000/);
    const plan = JSON.parse(j.stdout);
    expect(plan).toMatchObject({ apiVersion: 'regctl.openshift.io/v1', kind: 'Plan', name: 'trust-ca-add', dryRun: 'client' });
    expect(plan.steps.map((s: any) => [s.action, s.target.kind, s.target.name])).toEqual([['create', 'ConfigMap', 'registry-cas'], ['patch', 'Image', 'cluster']]);
    expect(plan.steps[0].object.data['registry-a.example.com..5000']).toBe(caA.certPem.trim() + '\n');
    expect(plan.steps[1]).toMatchObject({ patchType: 'merge', patch: { spec: { additionalTrustedCA: { name: 'registry-cas' } }, metadata: { resourceVersion: before } } });
    expect(cm('registry-cas')).toBeUndefined();
    expect(imageConfig().metadata.resourceVersion).toBe(before);
    expect(referenced()).toBeUndefined();
  });

  it('add creates registry-cas, patches image.config, and the operator publishes the key', async () => {
    const r = await regctl(['add', 'Registry-A.example.com:5000', '--ca', file('a.pem')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('ConfigMap openshift-config/registry-cas created');
    expect(r.stderr).toContain('image.config.openshift.io/cluster spec.additionalTrustedCA.name set to registry-cas');
    expect(cm('registry-cas')!.data).toEqual({ 'registry-a.example.com..5000': caA.certPem.trim() + '\n' });
    expect(referenced()).toBe('registry-cas');
    await operatorHas(['registry-a.example.com..5000']);
  });

  it('adding the same CA again writes nothing and says so', async () => {
    const rv = cm('registry-cas')!.metadata.resourceVersion;
    const icRv = imageConfig().metadata.resourceVersion;
    const r = await regctl(['add', 'registry-a.example.com:5000', '--ca', file('a.pem'), '-o', 'json']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ written: false, configMapWrite: 'none', imageConfigPatch: null, changes: [{ action: 'unchanged', host: 'registry-a.example.com:5000' }] });
    expect(r.stderr).toMatch(/nothing to change in openshift-config\/registry-cas/);
    expect(cm('registry-cas')!.metadata.resourceVersion).toBe(rv);
    expect(imageConfig().metadata.resourceVersion).toBe(icRv);
  });
});

describe('bad input: one error line, one hint line, exit 2, nothing changed', () => {
  const cases: Array<[string, () => string[], RegExp]> = [
    ['scheme', () => ['add', 'https://registry.example.com', '--ca', file('a.pem')], /^error: invalid registry host "https:\/\/registry\.example\.com": it has a scheme$/],
    ['wildcard', () => ['add', '*.example.com', '--ca', file('a.pem')], /wildcards are not supported$/],
    ['space', () => ['add', 'registry example.com', '--ca', file('a.pem')], /it contains white space$/],
    ['port too big', () => ['add', 'registry.example.com:70000', '--ca', file('a.pem')], /port "70000" is not a number from 1 to 65535$/],
    ['already encoded', () => ['add', 'registry.example.com..5000', '--ca', file('a.pem')], /"\.\." is not allowed in a host name$/],
    ['empty file', () => ['add', 'registry.example.com', '--ca', file('empty.pem')], /empty\.pem is empty$/],
    ['not PEM', () => ['add', 'registry.example.com', '--ca', file('notes.txt')], /notes\.txt is not a PEM certificate$/],
    ['DER', () => ['add', 'registry.example.com', '--ca', file('ca.der')], /ca\.der is not a PEM certificate \(it looks like DER\)$/],
    ['private key', () => ['add', 'registry.example.com', '--ca', file('key.pem')], /key\.pem contains a private key$/],
    ['missing file', () => ['add', 'registry.example.com', '--ca', file('nope.pem')], /cannot read .*nope\.pem: no such file$/],
    ['unpaired hosts', () => ['add', 'a.example.com', 'b.example.com', '--ca', file('a.pem')], /^error: got 2 host\(s\) and 1 --ca file\(s\)$/],
    ['bad ConfigMap name', () => ['add', 'r.example.com', '--ca', file('a.pem'), '--configmap', 'Bad_Name'], /invalid --configmap "Bad_Name"/],
    ['other ConfigMap than referenced', () => ['add', 'r.example.com', '--ca', file('a.pem'), '--configmap', 'other-cas'], /already references ConfigMap registry-cas; --configmap other-cas would replace it$/],
    ['remove with a scheme', () => ['remove', 'http://registry-a.example.com:5000'], /it has a scheme$/],
  ];

  it(`rejects ${cases.length} bad inputs before any write`, async () => {
    const snapshot = () => JSON.stringify([cm('registry-cas'), imageConfig().metadata.resourceVersion, sb.store.list(CM, 'openshift-config').items.map((o: KubeObject) => o.metadata.name)]);
    const before = snapshot();
    // Four at a time: independent processes, nothing shared but the (unchanged) cluster.
    for (let i = 0; i < cases.length; i += 4) {
      const batch = cases.slice(i, i + 4);
      const results = await Promise.all(batch.map(([, args]) => regctl(args())));
      results.forEach((r, j) => {
        const [name, , re] = batch[j]!;
        const lines = stderrLines(r);
        expect.soft(r.code, name).toBe(2);
        expect.soft(lines.length, `${name}: ${r.stderr}`).toBe(2);
        expect.soft(lines[0], name).toMatch(/^error: /);
        expect.soft(lines[0], name).toMatch(re);
        expect.soft(lines[1], name).toMatch(/^hint: \S/);
        expect.soft(r.stdout, name).toBe('');
      });
    }
    expect(snapshot()).toBe(before);
  });
});

describe('concurrency', () => {
  it('two concurrent adds for different hosts both survive, through injected 409 conflicts', async () => {
    // Each add PUTs the ConfigMap as read (with its resourceVersion): the first three such writes lose the race.
    sb.faults.conflicts = 3;
    const [r1, r2] = await Promise.all([
      regctl(['add', 'concurrent-b.example.com', '--ca', file('b.pem'), '-v']),
      regctl(['add', 'concurrent-c.example.com:8443', '--ca', file('c.pem'), '-v']),
    ]);
    expect(r1.code, r1.stderr).toBe(0);
    expect(r2.code, r2.stderr).toBe(0);
    expect(sb.faults.conflicts).toBe(0);
    expect(r1.stderr + r2.stderr).toMatch(/conflict writing ConfigMap openshift-config\/registry-cas \(attempt 1\); reading again/);
    expect(r1.all + r2.all).not.toContain(sb.tokens.admin!);
    const data = cm('registry-cas')!.data as Record<string, string>;
    expect(Object.keys(data).sort()).toEqual(['concurrent-b.example.com', 'concurrent-c.example.com..8443', 'registry-a.example.com..5000']);
    expect(fp(data['concurrent-b.example.com']!)).toBe(fp(caB.certPem));
    expect(fp(data['concurrent-c.example.com..8443']!)).toBe(fp(caC.certPem));
  });
});

describe('warnings, bundles, list and remove', () => {
  it('warns on stderr about expired and non-CA certificates and keeps bundles whole', async () => {
    const r = await regctl(['add', 'old.example.com', '--ca', file('old.pem'), 'leaf.example.com', '--ca', file('leaf.pem'), 'bundle.example.com', '--ca', file('bundle.pem')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/Warning: .*old\.pem for old\.example\.com \(CN=old-ca\) expired on/);
    expect(r.stderr).toMatch(/Warning: .*leaf\.pem for leaf\.example\.com \(CN=leaf\.example\.com\) is not a CA certificate/);
    const bundle = (cm('registry-cas')!.data as Record<string, string>)['bundle.example.com']!;
    expect(bundle.match(/BEGIN CERTIFICATE/g)).toHaveLength(2);
  });

  it('list decodes keys, marks expired CAs, and -o json follows the documented schema', async () => {
    const [t, j] = await Promise.all([regctl(['list']), regctl(['list', '-o', 'json'])]);
    expect(t.code).toBe(0);
    expect(t.stdout).toMatch(/^HOST\s+SUBJECT\s+NOT AFTER\s+SHA-256\s+STATUS$/m);
    expect(t.stdout).toMatch(/^registry-a\.example\.com:5000\s+CN=registry-a-ca\s+\S+Z\s+[0-9A-F:]+…\s+ok$/m);
    expect(t.stdout).toMatch(/^old\.example\.com\s+CN=old-ca\s.*EXPIRED$/m);
    expect(t.stdout.match(/^bundle\.example\.com\s/gm)).toHaveLength(2);
    expect(t.stderr).toMatch(/Warning: expired CA for old\.example\.com/);
    const l = JSON.parse(j.stdout);
    expect(l).toMatchObject({ apiVersion: 'regctl.openshift.io/v1', kind: 'TrustedCAList', namespace: 'openshift-config', configMap: 'registry-cas', configMapFound: true });
    const a = l.items.find((i: any) => i.key === 'registry-a.example.com..5000');
    expect(a).toEqual({
      host: 'registry-a.example.com:5000',
      key: 'registry-a.example.com..5000',
      certificates: [expect.objectContaining({ subject: 'CN=registry-a-ca', issuer: 'CN=registry-a-ca', sha256: fp(caA.certPem), isCA: true, selfSigned: true, expired: false })],
      expired: false,
      inRegistryCertificates: true,
    });
    expect(l.items.find((i: any) => i.host === 'old.example.com').expired).toBe(true);
    expect(l.items.find((i: any) => i.host === 'bundle.example.com').certificates).toHaveLength(2);
  });

  it('remove: dry run changes nothing, then removes only that key, then is idempotent', async () => {
    const rv = cm('registry-cas')!.metadata.resourceVersion;
    const d = await regctl(['remove', 'old.example.com', '--dry-run', '-o', 'json']);
    expect(d.code).toBe(0);
    const plan = JSON.parse(d.stdout);
    expect(plan).toMatchObject({ kind: 'Plan', name: 'trust-ca-remove', dryRun: 'client' });
    // A merge patch taking the key away, carrying the resourceVersion that was read (a 409 if someone wrote since).
    expect(plan.steps).toMatchObject([{ action: 'patch', target: { kind: 'ConfigMap', name: 'registry-cas' }, patchType: 'merge', patch: { metadata: { resourceVersion: rv }, data: { 'old.example.com': null } } }]);
    expect(cm('registry-cas')!.metadata.resourceVersion).toBe(rv);
    const r = await regctl(['remove', 'old.example.com', 'leaf.example.com']);
    expect(r.code, r.stderr).toBe(0);
    const keys = Object.keys(cm('registry-cas')!.data as object);
    expect(keys).not.toContain('old.example.com');
    expect(keys).toContain('registry-a.example.com..5000');
    const again = await regctl(['remove', 'old.example.com']);
    expect(again.code).toBe(0);
    expect(again.stderr).toMatch(/old\.example\.com: not in openshift-config\/registry-cas; nothing to remove/);
  });
});

describe('a pre-existing ConfigMap referenced by image.config', () => {
  const otherPem = () => caC.certPem;
  beforeAll(async () => {
    sb.store.create(CM, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'corp-cas', namespace: 'openshift-config', labels: { owner: 'platform-team' }, annotations: { note: 'managed by hand' } },
      data: { 'mirror.corp.example.com..5000': otherPem(), 'quay.corp.example.com': otherPem() },
      binaryData: { 'legacy.corp.example.com': Buffer.from(new X509Certificate(caB.certPem).raw).toString('base64') },
    });
    const ic = imageConfig();
    sb.store.update(IMAGES, { ...ic, spec: { ...(ic.spec as object), additionalTrustedCA: { name: 'corp-cas' } } });
  });

  it('adds pairs and --from-dir files to it, keeps every other key, label and annotation, and does not patch image.config', async () => {
    const icRv = imageConfig().metadata.resourceVersion;
    const r = await regctl(['add', 'new.corp.example.com', '--ca', file('a.pem'), '--from-dir', file('cas'), '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ configMapName: 'corp-cas', configMapWrite: 'update', imageConfigPatch: null, written: true });
    expect(out.changes.map((c: any) => [c.host, c.action])).toEqual([
      ['new.corp.example.com', 'add'],
      ['dir-one.example.com', 'add'],
      ['dir-two.example.com:8443', 'add'],
    ]);
    const cur = cm('corp-cas')!;
    expect(Object.keys(cur.data as object).sort()).toEqual(['dir-one.example.com', 'dir-two.example.com..8443', 'mirror.corp.example.com..5000', 'new.corp.example.com', 'quay.corp.example.com']);
    expect((cur.data as any)['mirror.corp.example.com..5000']).toBe(otherPem());
    expect(Object.keys(cur.binaryData as object)).toEqual(['legacy.corp.example.com']);
    expect(cur.metadata.labels).toEqual({ owner: 'platform-team' });
    expect(cur.metadata.annotations).toMatchObject({ note: 'managed by hand' });
    expect(imageConfig().metadata.resourceVersion).toBe(icRv);
    expect(referenced()).toBe('corp-cas');
    // registry-cas is no longer referenced and is left alone.
    expect(Object.keys(cm('registry-cas')!.data as object)).toContain('registry-a.example.com..5000');
  });

  it('replacing a key reports the previous CA; list reads binaryData too', async () => {
    const r = await regctl(['add', 'quay.corp.example.com', '--ca', file('b.pem')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/quay\.corp\.example\.com: replaced the CA under key quay\.corp\.example\.com \(was CN=registry-c-ca, /);
    const l = JSON.parse((await regctl(['list', '-o', 'json'])).stdout);
    expect(l.configMap).toBe('corp-cas');
    expect(l.items.find((i: any) => i.key === 'legacy.corp.example.com').certificates[0].subject).toBe('CN=registry-b-ca');
  });
});

describe('--from-server through the router proxy', () => {
  beforeAll(async () => {
    const cfg = sb.store.get('imageregistry.operator.openshift.io/configs', undefined, 'cluster')!;
    sb.store.update('imageregistry.operator.openshift.io/configs', { ...cfg, spec: { ...(cfg.spec as object), defaultRoute: true } });
    await sb.waitFor((s) => {
      const r = s.get('route.openshift.io/routes', REGISTRY_NS, 'default-route');
      return ((r?.status as any)?.ingress ?? []).some((i: any) => i.host === sb.defaultRouteHost && (i.conditions ?? []).some((c: any) => c.type === 'Admitted' && c.status === 'True'));
    }, 15_000);
  });

  it('shows the chain and refuses without --yes when not interactive (exit 2, nothing written)', async () => {
    const rv = cm('corp-cas')!.metadata.resourceVersion;
    const r = await regctl(['add', '--from-server', sb.defaultRouteHost]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`Certificate chain presented by ${sb.defaultRouteHost}:443 (through proxy ${sb.proxyUrl}):`);
    expect(r.stderr).toMatch(/0 {2}subject: {2}CN=\*\.apps\.sandbox\.example\.com/);
    expect(r.stderr).toContain(`sha256:   ${fp(sb.caPems.ingress)}`);
    const lines = stderrLines(r);
    expect(lines.at(-2)).toBe(`error: not trusting the certificate of ${sb.defaultRouteHost} without confirmation`);
    expect(lines.at(-1)).toBe('hint: pass --yes (required when not running interactively)');
    expect(cm('corp-cas')!.metadata.resourceVersion).toBe(rv);
  });

  it('with --yes trusts the top certificate (the ingress CA), which then verifies the route (curl)', async () => {
    const r = await regctl(['add', '--from-server', sb.defaultRouteHost, '--yes', '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.serverChain).toMatchObject({ host: sb.defaultRouteHost, port: 443, proxy: sb.proxyUrl, verified: false });
    expect(out.serverChain.certificates.map((c: any) => c.subject)).toEqual([`CN=*.${sb.ingressDomain}`, expect.stringMatching(/^CN=ingress-operator@/)]);
    const stored = (cm('corp-cas')!.data as Record<string, string>)[sb.defaultRouteHost]!;
    expect(fp(stored)).toBe(fp(sb.caPems.ingress));
    // Independent check: curl through the same proxy verifies the route with the stored CA.
    fs.writeFileSync(file('stored.pem'), stored);
    const { stdout } = await promisify(execFile)('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--proxy', sb.proxyUrl, '--cacert', file('stored.pem'), `https://${sb.defaultRouteHost}/v2/`]);
    expect(stdout).toBe('401');
  });

  it('an unreachable registry is a one-line error', async () => {
    const r = await regctl(['add', '--from-server', 'localhost:1', '--yes']);
    expect(r.code).toBe(1);
    expect(stderrLines(r)).toEqual(['error: cannot connect to localhost:1 (ECONNREFUSED)', expect.stringMatching(/^hint: /)]);
  });
});

describe("the operator's image-registry-certificates", () => {
  it('carries every key of the referenced ConfigMap; the last ".." of each key decodes to the right host:port', async () => {
    const data = cm('corp-cas')!;
    const keys = [...Object.keys(data.data as object), ...Object.keys((data.binaryData as object) ?? {})];
    await operatorHas(keys);
    const certs = sb.store.get(CM, REGISTRY_NS, 'image-registry-certificates')!;
    const all = { ...(certs.data as Record<string, string>), ...((certs.binaryData as Record<string, string>) ?? {}) };
    const decode = (k: string) => {
      const i = k.lastIndexOf('..');
      return i < 0 ? k : `${k.slice(0, i)}:${k.slice(i + 2)}`;
    };
    const expected: Record<string, string> = {
      'mirror.corp.example.com..5000': 'mirror.corp.example.com:5000',
      'dir-two.example.com..8443': 'dir-two.example.com:8443',
      'new.corp.example.com': 'new.corp.example.com',
      'quay.corp.example.com': 'quay.corp.example.com',
      'legacy.corp.example.com': 'legacy.corp.example.com',
      [sb.defaultRouteHost]: sb.defaultRouteHost,
      'image-registry.openshift-image-registry.svc..5000': 'image-registry.openshift-image-registry.svc:5000',
    };
    for (const [k, hostPort] of Object.entries(expected)) {
      expect(Object.keys(all)).toContain(k);
      expect(decode(k)).toBe(hostPort);
    }
    expect(fp((certs.data as Record<string, string>)['quay.corp.example.com']!)).toBe(fp(caB.certPem));
    // What regctl's list reports agrees with the operator's view.
    const l = JSON.parse((await regctl(['list', '-o', 'json'])).stdout);
    for (const it of l.items) {
      expect(it.inRegistryCertificates).toBe(true);
      expect(decode(it.key)).toBe(it.host);
    }
  });
});
