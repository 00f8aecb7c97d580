// regctl expose --route: spec.routes is replaced as a whole by a JSON patch guarded by a `test` of the list it was
// planned from. Another client changes spec.routes between regctl's read and its patch (the sandbox's
// `concurrentWrites` fault, deterministic: the other write lands just before regctl's PATCH is processed); the patch
// gets 422, regctl reads again, plans again and writes — nothing the other client wrote is lost.
// A 422 that is not about spec.routes (the API refuses the route's immutable Secret) brings the same plan back: regctl
// reports the API's error instead of planning again. A certificate bundle too large for a Secret is refused up front.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import { createCA } from '../sandbox/pki.ts';
import { concurrentWrites, type ConcurrentWrite } from '../sandbox/apiserver/concurrent-write.ts';
import { loginEnv, type LoginEnv } from './support/login-env.ts';
import { runTool } from './support/tool.ts';
import { expectOneError } from './support/expect-error.ts';

const CONFIGS = 'imageregistry.operator.openshift.io/configs';
const CONFIG_REF = 'configs.imageregistry.operator.openshift.io/cluster';
const REPLAN = (n: number) => `${CONFIG_REF} spec.routes changed under us (422); planning again (attempt ${n} of 4)`;
const PATCH_LINE = /^\[api\] PATCH \/apis\/imageregistry\.operator\.openshift\.io\/v1\/configs\/cluster (\d{3}) /gm;

let sb: Sandbox;
let t: LoginEnv;
let kubeHome: string;

interface Entry {
  name: string;
  hostname?: string;
}
const host = (name: string) => `${name}.${sb.ingressDomain}`;
const entry = (name: string): Entry => ({ name, hostname: host(name) });

/** spec.routes as kubectl reads it (an independent client). */
async function specRoutes(): Promise<Entry[] | undefined> {
  const r = await runTool('kubectl', ['get', CONFIG_REF, '-o', 'json'], sb.env, kubeHome);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).spec.routes;
}

/** Sets spec.routes with kubectl (null: not set). */
async function setRoutes(routes: Entry[] | null): Promise<void> {
  const r = await runTool('kubectl', ['patch', CONFIG_REF, '--type', 'merge', '-p', JSON.stringify({ spec: { routes } })], sb.env, kubeHome);
  expect(r.code, r.stderr).toBe(0);
}

/** The other client: it sets spec.routes to `routes` just before regctl's next PATCH of the config is processed. */
function otherWriter(routes: Entry[]): ConcurrentWrite {
  const w: ConcurrentWrite = { resource: CONFIGS, name: 'cluster', mergePatch: { spec: { routes } }, times: 1 };
  concurrentWrites(sb.faults).push(w);
  return w;
}

/** The statuses of the config PATCHes regctl sent (its -v / REGCTL_DEBUG=api request log). */
const patchStatuses = (stderr: string) => [...stderr.matchAll(PATCH_LINE)].map((m) => Number(m[1]));

beforeAll(async () => {
  sb = await startSandbox();
  t = await loginEnv(sb, 'expose-replan');
  kubeHome = path.join(t.tmp, 'kube-home');
  fs.mkdirSync(kubeHome);
});

afterAll(async () => {
  await sb?.stop();
  t?.cleanup();
});

beforeEach(() => {
  concurrentWrites(sb.faults).length = 0;
});

describe('expose --route: spec.routes changed between the read and the patch', () => {
  it('--dry-run: the patch for a spec.routes not set yet is guarded too (a `test` of null before the add)', async () => {
    await setRoutes(null);
    const r = await t.cli(['expose', '--route', 'dry', '--hostname', host('dry'), '--dry-run', '-o', 'json']);
    expect(r.code, r.all).toBe(0);
    const routesStep = JSON.parse(r.stdout).steps.find((s: any) => s.patchType === 'json');
    expect(routesStep.patch).toEqual([{ op: 'test', path: '/spec/routes', value: null }, { op: 'add', path: '/spec/routes', value: [entry('dry')] }]);
    expect(await specRoutes()).toBeUndefined();
  });

  it('spec.routes not set yet: the other client adds a route first; both end up in spec.routes', async () => {
    await setRoutes(null);
    expect(await specRoutes()).toBeUndefined();
    const theirs = otherWriter([entry('theirs')]);
    const r = await t.cli(['-v', 'expose', '--route', 'ours', '--hostname', host('ours'), '--timeout', '30s']);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toBe(`${host('ours')}\n`);
    // The other write landed, regctl's first patch failed its `test` (422), it planned again and the second went through.
    expect(theirs).toMatchObject({ times: 0, answered: [422] });
    expect(patchStatuses(r.stderr)).toEqual([422, 200]);
    expect(r.stderr).toContain(REPLAN(2));
    expect(await specRoutes()).toEqual([entry('theirs'), entry('ours')]);
  });

  it('without -v: one info line says the config changed and regctl plans again; the done line follows', async () => {
    await setRoutes([entry('a')]);
    const theirs = otherWriter([entry('a'), entry('theirs6')]);
    const r = await t.cli(['expose', '--route', 'ours6', '--hostname', host('ours6'), '--timeout', '30s']);
    expect(r.code, r.all).toBe(0);
    expect(theirs.answered).toEqual([422]);
    expect(r.stderr.split('\n')).toEqual([REPLAN(2), `Updated spec.routes on ${CONFIG_REF}.`, '']);
    expect(await specRoutes()).toEqual([entry('a'), entry('theirs6'), entry('ours6')]);
  });

  it('-q: the re-plan line is dropped like every info line', async () => {
    await setRoutes([entry('a')]);
    const theirs = otherWriter([entry('a'), entry('theirs7')]);
    const r = await t.cli(['-q', 'expose', '--route', 'ours7', '--hostname', host('ours7'), '--timeout', '30s']);
    expect(r.code, r.all).toBe(0);
    expect(theirs.answered).toEqual([422]);
    expect(r.stderr).toBe('');
    expect(await specRoutes()).toEqual([entry('a'), entry('theirs7'), entry('ours7')]);
  });

  it('spec.routes set: the other client adds a route first; regctl adds its own after it, nothing lost', async () => {
    await setRoutes([entry('a')]);
    const theirs = otherWriter([entry('a'), entry('theirs2')]);
    const r = await t.cli(['-v', 'expose', '--route', 'ours2', '--hostname', host('ours2'), '-o', 'json', '--timeout', '30s']);
    expect(r.code, r.all).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ apiVersion: 'regctl.openshift.io/v1', kind: 'ExposeResult', host: host('ours2'), changed: true });
    expect(out.routes).toContainEqual({ name: 'ours2', host: host('ours2'), admitted: true });
    expect(theirs).toMatchObject({ times: 0, answered: [422] });
    expect(patchStatuses(r.stderr)).toEqual([422, 200]);
    expect(await specRoutes()).toEqual([entry('a'), entry('theirs2'), entry('ours2')]);
  });

  it('the other client adds the very entry regctl wanted: the new plan has nothing to do (changed: false, no second patch)', async () => {
    await setRoutes([entry('a')]);
    const theirs = otherWriter([entry('a'), entry('same')]);
    const r = await t.cli(['expose', '--route', 'same', '--hostname', host('same'), '-o', 'json', '--timeout', '30s'], { env: { REGCTL_DEBUG: 'api' } });
    expect(r.code, r.all).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'ExposeResult', host: host('same'), changed: false });
    expect(theirs.answered).toEqual([422]);
    expect(patchStatuses(r.stderr)).toEqual([422]);
    // The new plan ends the command: its note is said (after the re-plan line), and no "Updated" line.
    const said = r.stderr.split('\n').filter((l) => l && !l.startsWith('[api] '));
    expect(said).toEqual([REPLAN(2), `Route same is already configured in ${CONFIG_REF} spec.routes.`]);
    expect(await specRoutes()).toEqual([entry('a'), entry('same')]);
  });

  it('the other client gives the same route another host: the new plan updates that entry to regctl\'s host, others kept', async () => {
    await setRoutes([entry('a')]);
    const theirs = otherWriter([entry('a'), { name: 'ours3', hostname: host('elsewhere') }, entry('theirs3')]);
    const r = await t.cli(['-v', 'expose', '--route', 'ours3', '--hostname', host('ours3'), '--timeout', '30s']);
    expect(r.code, r.all).toBe(0);
    expect(theirs.answered).toEqual([422]);
    expect(patchStatuses(r.stderr)).toEqual([422, 200]);
    expect(await specRoutes()).toEqual([entry('a'), entry('ours3'), entry('theirs3')]);
  });
});

describe('expose --route with --cert/--key: the secret, then the refused patch', () => {
  it('the secret it created is deleted again (undo), then created again with the new plan; both routes kept', async () => {
    const ca = await createCA('replan-ca');
    const leaf = await ca.issue({ commonName: host('tls'), dnsNames: [host('tls')], server: true });
    const [cert, key, caFile] = ['tls.crt', 'tls.key', 'ca.crt'].map((f) => path.join(t.tmp, f));
    fs.writeFileSync(cert!, leaf.certPem);
    fs.writeFileSync(key!, leaf.keyPem);
    fs.writeFileSync(caFile!, ca.certPem);
    await setRoutes([entry('a')]);
    const theirs = otherWriter([entry('a'), entry('theirs5')]);
    // REGCTL_DEBUG=api: the request log without -v's debug lines.
    const r = await t.cli(['expose', '--route', 'tls', '--hostname', host('tls'), '--cert', cert!, '--key', key!, '--ca', caFile!, '--timeout', '30s'], { env: { REGCTL_DEBUG: 'api' } });
    expect(r.code, r.all).toBe(0);
    expect(theirs.answered).toEqual([422]);
    // The undo before the new plan is not news: only the re-plan line and the done line.
    expect(r.stderr.split('\n').filter((l) => l && !l.startsWith('[api] '))).toEqual([REPLAN(2), `Updated spec.routes on ${CONFIG_REF}.`]);
    // create, 422, delete (the undo), create again, 200.
    const secretWrites = [...r.stderr.matchAll(/^\[api\] (POST|DELETE) \/api\/v1\/namespaces\/openshift-image-registry\/secrets(?:\/tls-route-tls)? (\d{3}) /gm)].map((m) => `${m[1]} ${m[2]}`);
    expect(secretWrites).toEqual(['POST 201', 'DELETE 200', 'POST 201']);
    expect(patchStatuses(r.stderr)).toEqual([422, 200]);
    expect(await specRoutes()).toEqual([entry('a'), entry('theirs5'), { ...entry('tls'), secretName: 'tls-route-tls' }]);
    const secret = await runTool('kubectl', ['get', 'secret', 'tls-route-tls', '-n', 'openshift-image-registry', '-o', 'jsonpath={.type}'], sb.env, kubeHome);
    expect(secret.stdout).toBe('kubernetes.io/tls');
    expect(r.all).not.toContain(leaf.keyPem.split('\n')[1]!);
  });

  it('-v shows the undo of the refused plan\'s secret (a debug line) before the re-plan line', async () => {
    const ca = await createCA('replan-v-ca');
    const leaf = await ca.issue({ commonName: host('tlsv'), dnsNames: [host('tlsv')], server: true });
    const [cert, key] = ['tlsv.crt', 'tlsv.key'].map((f) => path.join(t.tmp, f));
    fs.writeFileSync(cert!, leaf.certPem);
    fs.writeFileSync(key!, leaf.keyPem);
    await setRoutes([entry('a')]);
    const theirs = otherWriter([entry('a'), entry('theirs8')]);
    const r = await t.cli(['-v', 'expose', '--route', 'tlsv', '--hostname', host('tlsv'), '--cert', cert!, '--key', key!, '--timeout', '30s']);
    expect(r.code, r.all).toBe(0);
    expect(theirs.answered).toEqual([422]);
    const lines = r.stderr.split('\n');
    const undone = lines.indexOf('undone: Secret openshift-image-registry/tlsv-route-tls deleted');
    expect(undone, r.stderr).toBeGreaterThan(-1);
    expect(lines.indexOf(REPLAN(2))).toBeGreaterThan(undone);
    expect(await specRoutes()).toEqual([entry('a'), entry('theirs8'), { ...entry('tlsv'), secretName: 'tlsv-route-tls' }]);
    expect(r.all).not.toContain(leaf.keyPem.split('\n')[1]!);
  });
});

describe('expose --remove --route: spec.routes changed between the read and the patch', () => {
  it('the other client adds a route first: only regctl\'s entry is removed', async () => {
    await setRoutes([entry('a'), entry('gone')]);
    const theirs = otherWriter([entry('a'), entry('gone'), entry('theirs4')]);
    const r = await t.cli(['-v', 'expose', '--remove', '--route', 'gone', '--timeout', '30s']);
    expect(r.code, r.all).toBe(0);
    expect(theirs.answered).toEqual([422]);
    expect(patchStatuses(r.stderr)).toEqual([422, 200]);
    expect(await specRoutes()).toEqual([entry('a'), entry('theirs4')]);
  });

  it('the other client removes the entry itself: nothing left to remove, exit 0', async () => {
    await setRoutes([entry('a'), entry('gone2')]);
    const theirs = otherWriter([entry('a')]);
    const r = await t.cli(['expose', '--remove', '--route', 'gone2', '-o', 'json', '--timeout', '30s'], { env: { REGCTL_DEBUG: 'api' } });
    expect(r.code, r.all).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ kind: 'ExposeResult', changed: false });
    expect(theirs.answered).toEqual([422]);
    expect(patchStatuses(r.stderr)).toEqual([422]);
    const said = r.stderr.split('\n').filter((l) => l && !l.startsWith('[api] '));
    expect(said).toEqual([REPLAN(2), `Route gone2 is not in ${CONFIG_REF} spec.routes; nothing to remove.`]);
    expect(await specRoutes()).toEqual([entry('a')]);
  });
});

describe('spec.routes keeps changing', () => {
  it('gives up after 4 plans with one error saying so; the other client\'s routes stay, regctl\'s is not added', async () => {
    await setRoutes([entry('a')]);
    const busy = [1, 2, 3, 4].map((j) => entry(`busy${j}`));
    const writers = [1, 2, 3, 4].map((i) => otherWriter([entry('a'), ...busy.slice(0, i)]));
    const r = await t.cli(['expose', '--route', 'late', '--hostname', host('late'), '--timeout', '30s']);
    expect(r.code, r.all).toBe(1);
    expect(writers.map((w) => w.answered)).toEqual([[422], [422], [422], [422]]);
    expectOneError(r, /^error: configs\.imageregistry\.operator\.openshift\.io\/cluster spec\.routes kept changing under us: gave up after 4 conflicting writes; nothing more was changed$/, /^hint: something else is rewriting it/);
    expect(r.stderr.split('\n').slice(0, 3)).toEqual([REPLAN(2), REPLAN(3), REPLAN(4)]);
    expect(await specRoutes()).toEqual([entry('a'), ...busy]);
  });

  it('with --cert/--key: the secret of each refused plan is deleted again, the error says so', async () => {
    const ca = await createCA('replan-busy-ca');
    const leaf = await ca.issue({ commonName: host('late2'), dnsNames: [host('late2')], server: true });
    const [cert, key, caFile] = ['late2.crt', 'late2.key', 'late2-ca.crt'].map((f) => path.join(t.tmp, f));
    fs.writeFileSync(cert!, leaf.certPem);
    fs.writeFileSync(key!, leaf.keyPem);
    fs.writeFileSync(caFile!, ca.certPem);
    await setRoutes([entry('a')]);
    const busy = [1, 2, 3, 4].map((j) => entry(`busier${j}`));
    const writers = [1, 2, 3, 4].map((i) => otherWriter([entry('a'), ...busy.slice(0, i)]));
    const r = await t.cli(['expose', '--route', 'late2', '--hostname', host('late2'), '--cert', cert!, '--key', key!, '--ca', caFile!, '--timeout', '30s']);
    expect(r.code, r.all).toBe(1);
    expect(writers.map((w) => w.answered)).toEqual([[422], [422], [422], [422]]);
    const step = `patch Config cluster: spec.routes add late2 (${host('late2')}) failed`.replace(/[.()]/g, '\\$&');
    expectOneError(r, new RegExp(`^error: configs\\.imageregistry\\.operator\\.openshift\\.io/cluster spec\\.routes kept changing under us: gave up after 4 conflicting writes; undone, nothing was left changed \\(${step}\\)$`), /^hint: something else is rewriting it/);
    // The undos before each new plan are not news; the last one, which the error reports, is said.
    expect(r.stderr.split('\n').slice(0, 4)).toEqual([REPLAN(2), REPLAN(3), REPLAN(4), 'undone: Secret openshift-image-registry/late2-route-tls deleted']);
    expect(r.stderr.match(/undone: /g)).toHaveLength(1);
    const secret = await runTool('kubectl', ['get', 'secret', 'late2-route-tls', '-n', 'openshift-image-registry'], sb.env, kubeHome);
    expect(secret.stderr).toMatch(/NotFound|not found/);
    expect(await specRoutes()).toEqual([entry('a'), ...busy]);
    expect(r.all).not.toContain(leaf.keyPem.split('\n')[1]!);
  });
});

// The same-plan guard: a 422 that is not spec.routes changing (the `test` held) comes back with the very same plan;
// regctl reports the API's own 422 instead of planning again. The sandbox's kube-apiserver Secret validation
// (test/sandbox/apiserver/secret-validation.ts) refuses the patch of an immutable Secret.
describe('expose --route --cert/--key: the API refuses the secret itself (same plan again)', () => {
  const SECRET_WRITE = /^\[api\] (POST|PATCH|PUT|DELETE) \/api\/v1\/namespaces\/openshift-image-registry\/secrets(?:\/[^ ?]+)?(?:\?[^ ]*)? (\d{3}) /gm;
  const secretWrites = (stderr: string) => [...stderr.matchAll(SECRET_WRITE)].map((m) => `${m[1]} ${m[2]}`);

  it('an immutable NAME-route-tls with other data: exit 1 with the API\'s 422, one PATCH, no re-plan, nothing changed', async () => {
    const ca = await createCA('immutable-ca');
    const leaf = await ca.issue({ commonName: host('imm'), dnsNames: [host('imm')], server: true });
    const [cert, key, manifest] = ['imm.crt', 'imm.key', 'imm-secret.yaml'].map((f) => path.join(t.tmp, f));
    fs.writeFileSync(cert!, leaf.certPem);
    fs.writeFileSync(key!, leaf.keyPem);
    fs.writeFileSync(manifest!, [
      'apiVersion: v1',
      'kind: Secret',
      'metadata: {name: imm-route-tls, namespace: openshift-image-registry}',
      'type: kubernetes.io/tls',
      'immutable: true',
      'stringData: {tls.crt: other-crt, tls.key: other-key}',
      '',
    ].join('\n'));
    const created = await runTool('kubectl', ['create', '-f', manifest!], sb.env, kubeHome);
    expect(created.code, created.stderr).toBe(0);
    await setRoutes([entry('a')]);
    const before = await runTool('kubectl', ['get', 'secret', 'imm-route-tls', '-n', 'openshift-image-registry', '-o', 'json'], sb.env, kubeHome);

    const r = await t.cli(['-v', 'expose', '--route', 'imm', '--hostname', host('imm'), '--cert', cert!, '--key', key!, '--timeout', '30s']);
    expect(r.code, r.all).toBe(1);
    expectOneError(
      r,
      /^error: rejected by the API server: Secret "imm-route-tls" is invalid: data: Forbidden: field is immutable when `immutable` is set$/,
      /^hint: data: Forbidden: field is immutable when `immutable` is set$/,
    );
    expect(r.stderr).not.toMatch(/planning again/);
    expect(secretWrites(r.stderr)).toEqual(['PATCH 422']);
    expect(patchStatuses(r.stderr)).toEqual([]);
    expect(await specRoutes()).toEqual([entry('a')]);
    const after = await runTool('kubectl', ['get', 'secret', 'imm-route-tls', '-n', 'openshift-image-registry', '-o', 'json'], sb.env, kubeHome);
    expect(JSON.parse(after.stdout).data).toEqual(JSON.parse(before.stdout).data);
    expect(JSON.parse(after.stdout).metadata.resourceVersion).toBe(JSON.parse(before.stdout).metadata.resourceVersion);
    expect(r.all).not.toContain(leaf.keyPem.split('\n')[1]!);
  });
});

describe('expose --route --cert/--key: a certificate bundle too large for a Secret (1 MiB)', () => {
  it('refused before anything is written: one error naming the flags and the limit, exit 2; --dry-run too', async () => {
    const ca = await createCA('big-ca');
    const leaf = await ca.issue({ commonName: host('big'), dnsNames: [host('big')], server: true });
    const [cert, key] = ['big.crt', 'big.key'].map((f) => path.join(t.tmp, f));
    // The leaf, then copies of its CA (a chain nobody needs): over 1 MiB, under the 4 MiB PEM input cap.
    fs.writeFileSync(cert!, leaf.certPem + ca.certPem.repeat(Math.ceil((1024 * 1024) / ca.certPem.length) + 1));
    fs.writeFileSync(key!, leaf.keyPem);
    const size = fs.statSync(cert!).size + fs.statSync(key!).size;
    expect(size).toBeGreaterThan(1024 * 1024);
    await setRoutes([entry('a')]);
    for (const extra of [[], ['--dry-run']]) {
      const r = await t.cli(['-v', 'expose', '--route', 'big', '--hostname', host('big'), '--cert', cert!, '--key', key!, '--timeout', '30s', ...extra]);
      expect(r.code, r.all).toBe(2);
      expectOneError(
        r,
        new RegExp(`^error: --cert ${cert}, --key ${key} make a Secret of ${size} bytes; a Secret holds at most 1048576 bytes \\(1 MiB\\)$`),
        /^hint: give only the certificate the route serves and its intermediates/,
      );
      // Checked before anything is sent: not a request, let alone a write.
      expect(r.stderr).not.toMatch(/^\[api\] /m);
      expect(r.stdout).toBe('');
      expect(r.all).not.toContain(leaf.keyPem.split('\n')[1]!);
    }
    const secret = await runTool('kubectl', ['get', 'secret', 'big-route-tls', '-n', 'openshift-image-registry'], sb.env, kubeHome);
    expect(secret.stderr).toMatch(/NotFound|not found/);
    expect(await specRoutes()).toEqual([entry('a')]);
  });
});
