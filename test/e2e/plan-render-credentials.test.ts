// issue 18 parts 1-2 with `set-storage credentials s3`: the plan is the one write of the user credentials secret
// (image-registry-private-configuration-user), values `<redacted>` in every plan and rendering. --dry-run=server
// changes nothing; `--render manifests --show-secrets --output-dir` applied with kubectl --server-side and
// `--render acm-policy` (values from a hub secret, {{hub fromSecret …}}) enforced on the sandbox's self-managed hub
// give the secret the command gives, the Config untouched; re-renders are byte-identical; no secret value reaches
// stdout/stderr or a file unless --show-secrets with --output-dir.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import yaml from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import { runTool } from './support/tool.ts';
import { acmHubSetup } from './support/acm.ts';
import { files } from './support/files.ts';

const NS = 'openshift-image-registry';
const CFG = 'imageregistry.operator.openshift.io/configs';
const USER_SECRET = 'image-registry-private-configuration-user';
const POLICIES = 'policy.open-cluster-management.io/policies';
const FILE = `01-secrets-${NS}-${USER_SECRET}.yaml`;
const NEW_ID = 'AKIAPLANRENDERCREDS1';
const NEW_SECRET = 'plan-render/Creds+secretKEY-never-printed';
const b64 = (s: string) => Buffer.from(s).toString('base64');

let sb: Sandbox;
let tmp: string;
let baseline: { data: any; config: any };

const ROTATE = ['set-storage', 'credentials', 's3', '--access-key-id', NEW_ID, '--secret-access-key-stdin'];
const cli = (args: string[]) => runCli(args, { env: { ...sb.env, HOME: tmp }, input: NEW_SECRET, timeoutMs: 50_000 });
const kubectl = (args: string[]) => runTool('kubectl', args, sb.env, tmp);
const secret = () => sb.store.get('/secrets', NS, USER_SECRET) as any;
const config = () => sb.store.get(CFG, undefined, 'cluster') as any;
const state = () => ({ data: structuredClone(secret().data), config: structuredClone(config().spec) });
const dir = (name: string) => fs.mkdtempSync(path.join(tmp, `${name}-`));

function noSecret(text: string, what: string): void {
  for (const v of [NEW_SECRET, b64(NEW_SECRET), ...Object.values(baseline.data as Record<string, string>)]) expect(text, what).not.toContain(v);
}

/** Back to the credentials the aws profile starts with. */
function reset(): void {
  sb.store.update('/secrets', { ...secret(), data: structuredClone(baseline.data) });
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-plan-render-creds-'));
  sb = await startSandbox({ profile: 'aws' });
  baseline = state();
}, 60_000);
afterAll(async () => {
  await sb?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('credentials dry runs', () => {
  it('--dry-run=server has the API server check the secret patch and changes nothing; values <redacted>', async () => {
    reset();
    const rv = secret().metadata.resourceVersion;
    const r = await cli([...ROTATE, '--dry-run=server']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`server dry run: patch Secret ${NS}/${USER_SECRET}`);
    expect(r.stdout).toContain('REGISTRY_STORAGE_S3_SECRETKEY: <redacted>');
    noSecret(r.all, 'output');
    expect(r.all).not.toContain(NEW_ID);
    const j = await cli([...ROTATE, '--dry-run', '-o', 'json']);
    expect(j.code, j.stderr).toBe(0);
    expect(JSON.parse(j.stdout)).toMatchObject({ apiVersion: 'regctl.openshift.io/v1', kind: 'Plan', name: 'set-storage-credentials-s3', dryRun: 'client', steps: [{ action: 'patch', patch: { data: { REGISTRY_STORAGE_S3_SECRETKEY: '<redacted>' } } }] });
    noSecret(j.all, 'json');
    expect(secret().metadata.resourceVersion).toBe(rv);
    expect(state()).toEqual(baseline);
  });
});

describe('credentials --render', () => {
  it('manifests: <redacted> by default, byte-identical on re-run; with --show-secrets (files only, 0600) applied with kubectl --server-side they give the state of the command', async () => {
    reset();
    const [d1, d2] = [dir('manifests'), dir('manifests')];
    for (const d of [d1, d2]) {
      const r = await cli([...ROTATE, '--render', 'manifests', '--output-dir', d]);
      expect(r.code, r.stderr).toBe(0);
      noSecret(r.all, 'output');
    }
    expect(files(d1)).toEqual(files(d2));
    expect(Object.keys(files(d1))).toEqual([FILE]);
    expect(yaml.load(files(d1)[FILE]!)).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: USER_SECRET, namespace: NS },
      data: { REGISTRY_STORAGE_S3_ACCESSKEY: '<redacted>', REGISTRY_STORAGE_S3_SECRETKEY: '<redacted>' },
    });
    noSecret(files(d1)[FILE]!, FILE);
    const stream = await cli([...ROTATE, '--render', 'manifests']);
    expect(stream.code, stream.stderr).toBe(0);
    noSecret(stream.all, 'stdout');
    // --show-secrets without --output-dir, or with acm-policy: refused, nothing written.
    for (const bad of [['--render', 'manifests', '--show-secrets'], ['--render', 'acm-policy', '--show-secrets', '--output-dir', dir('x')]]) {
      const r = await cli([...ROTATE, ...bad]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^hint: /m);
      noSecret(r.all, bad.join(' '));
    }
    expect(state()).toEqual(baseline);

    const shown = dir('shown');
    const w = await cli([...ROTATE, '--render', 'manifests', '--output-dir', shown, '--show-secrets']);
    expect(w.code, w.stderr).toBe(0);
    noSecret(w.all, 'output');
    expect(fs.statSync(path.join(shown, FILE)).mode & 0o777).toBe(0o600);
    expect(files(shown)[FILE]).toContain(`REGISTRY_STORAGE_S3_SECRETKEY: ${b64(NEW_SECRET)}`);
    const applied = await kubectl(['apply', '--server-side', '--force-conflicts', '-f', shown]);
    expect(applied.code, applied.stderr).toBe(0);
    const rendered = state();
    reset();
    const direct = await cli([...ROTATE, '--no-wait']);
    expect(direct.code, direct.stderr).toBe(0);
    noSecret(direct.all, 'command');
    expect(state()).toEqual(rendered);
    expect(Buffer.from(rendered.data.REGISTRY_STORAGE_S3_SECRETKEY, 'base64').toString()).toBe(NEW_SECRET);
    expect(rendered.config).toEqual(baseline.config);
  });

  it('acm-policy (enforce): values from a hub secret; Compliant on the self-managed hub with the state of the command', async () => {
    reset();
    const d = dir('acm');
    const args = [...ROTATE, '--render', 'acm-policy', '--remediation', 'enforce', '--placement-label', 'vendor=OpenShift', '--render-namespace', 'policies', '--output-dir', d];
    const r = await cli(args);
    expect(r.code, r.stderr).toBe(0);
    noSecret(r.all, 'output');
    const again = dir('acm');
    expect((await cli(args.slice(0, -1).concat(again))).code).toBe(0);
    expect(files(again)).toEqual(files(d));
    for (const [f, text] of Object.entries(files(d))) noSecret(text, f);
    const policy = (yaml.loadAll(files(d)['policy.yaml']!) as any[]).find((o) => o?.kind === 'Policy');
    expect(policy.spec['policy-templates'][0].objectDefinition.spec['object-templates'][0].objectDefinition.data).toEqual({
      REGISTRY_STORAGE_S3_ACCESSKEY: `{{hub fromSecret "policies" "${USER_SECRET}" "REGISTRY_STORAGE_S3_ACCESSKEY" hub}}`,
      REGISTRY_STORAGE_S3_SECRETKEY: `{{hub fromSecret "policies" "${USER_SECRET}" "REGISTRY_STORAGE_S3_SECRETKEY" hub}}`,
    });
    expect(state()).toEqual(baseline);

    const keyFile = path.join(dir('key'), 'key');
    fs.writeFileSync(keyFile, NEW_SECRET);
    for (const a of [
      ...acmHubSetup(tmp),
      ['create', 'secret', 'generic', USER_SECRET, '-n', 'policies', `--from-literal=REGISTRY_STORAGE_S3_ACCESSKEY=${NEW_ID}`, `--from-file=REGISTRY_STORAGE_S3_SECRETKEY=${keyFile}`],
      ['apply', '-f', d],
    ]) {
      const k = await kubectl(a);
      expect(k.code, `${a.join(' ')}: ${k.stderr}`).toBe(0);
    }
    const root = () => sb.store.get(POLICIES, 'policies', 'regctl-set-storage-credentials-s3') as any;
    await sb.waitFor(() => root()?.status?.compliant === 'Compliant', 30_000);
    const enforced = state();
    expect(Buffer.from(enforced.data.REGISTRY_STORAGE_S3_SECRETKEY, 'base64').toString()).toBe(NEW_SECRET);
    const del = await kubectl(['delete', '-f', d]);
    expect(del.code, del.stderr).toBe(0);

    reset();
    const direct = await cli([...ROTATE, '--no-wait']);
    expect(direct.code, direct.stderr).toBe(0);
    expect(state()).toEqual(enforced);
  });
});

