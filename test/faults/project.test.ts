// Fault matrix, project-level commands (one project, one sandbox, one cell at a time): grant/revoke,
// pull-secret create --link / link / unlink, delete (an image stream tag).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { expectNoViolations, makeRunner, renderMatrix, type Case, type Row } from './support/matrix.js';

const NS = 'faultapp';
const RB = 'rbac.authorization.k8s.io/rolebindings';
const IS = 'image.openshift.io/imagestreams';
let sb: Sandbox;
let tmp: string;
const rows: Row[] = [];

function drop(key: string, ns: string | undefined, name: string): void {
  if (sb.store.get(key, ns, name)) sb.store.delete(key, ns, name);
}
const sa = (): any => sb.store.get('/serviceaccounts', NS, 'default');
const linked = (name: string) => (sa().imagePullSecrets ?? []).some((r: any) => r.name === name);
/** The account's own `<sa>-dockercfg-<random>` entry (openshift-controller-manager, which the sandbox runs). */
const own = (): string | undefined => sa()?.metadata?.annotations?.['openshift.io/internal-registry-pull-secret-ref'];
/** Resets the account's imagePullSecrets to its own dockercfg entry (which the controller would add back) + names. */
function setLinks(names: string[]): void {
  const cur = structuredClone(sa());
  cur.imagePullSecrets = [own()!, ...names].map((name) => ({ name }));
  sb.store.update('/serviceaccounts', cur);
}
function pullSecret(name: string): void {
  drop('/secrets', NS, name);
  sb.store.create('/secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: NS }, type: 'kubernetes.io/dockerconfigjson', data: { '.dockerconfigjson': Buffer.from('{"auths":{"quay.io":{"auth":"dTpw"}}}').toString('base64') } });
}
/** RoleBindings of the project that name alice: role and subjects (names are regctl's business). */
const aliceBindings = () =>
  sb.store
    .list(RB, NS)
    .items.filter((b: any) => (b.subjects ?? []).some((s: any) => s.kind === 'User' && s.name === 'alice'))
    .map((b: any) => `${b.roleRef.name}:${b.subjects.map((s: any) => s.name).sort().join(',')}`)
    .sort();
function unbindAlice(): void {
  for (const b of sb.store.list(RB, NS).items as any[]) if ((b.subjects ?? []).some((s: any) => s.name === 'alice')) sb.store.delete(RB, NS, b.metadata.name);
}
const hex = (t: string) => Buffer.from(`app:${t}`).toString('hex').padEnd(64, '0').slice(0, 64);
const tags = () => ((sb.store.get(IS, NS, 'app') as any)?.status?.tags ?? []).map((t: any) => t.tag).sort();

function cases(): Case[] {
  return [
    {
      name: 'grant',
      args: ['grant', 'viewer', 'alice', '-n', NS],
      reset: unbindAlice,
      state: aliceBindings,
      wanted: () => aliceBindings().includes('registry-viewer:alice'),
    },
    {
      name: 'revoke',
      args: ['revoke', 'viewer', 'alice', '-n', NS],
      reset: () => {
        unbindAlice();
        sb.store.create(RB, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'registry-viewer', namespace: NS }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'registry-viewer' }, subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'alice' }] });
      },
      state: aliceBindings,
      wanted: () => !aliceBindings().some((b) => b.startsWith('registry-viewer:')),
    },
    {
      name: 'pull-secret create --link',
      args: ['pull-secret', 'create', 'fault-creds', '--server', 'quay.io', '--username', 'u', '--password-stdin', '--link', 'default', '-n', NS],
      input: 'fault-password',
      reset: () => {
        drop('/secrets', NS, 'fault-creds');
        setLinks([]);
      },
      state: () => ({ secret: Boolean(sb.store.get('/secrets', NS, 'fault-creds')), linked: linked('fault-creds') }),
      wanted: () => Boolean(sb.store.get('/secrets', NS, 'fault-creds')) && linked('fault-creds'),
    },
    {
      name: 'pull-secret link',
      args: ['pull-secret', 'link', 'linkme', 'default', '-n', NS],
      reset: () => {
        pullSecret('linkme');
        setLinks(['other']);
      },
      state: () => (sa().imagePullSecrets ?? []).map((r: any) => r.name),
      wanted: () => linked('linkme') && linked('other'),
    },
    {
      name: 'pull-secret unlink',
      args: ['pull-secret', 'unlink', 'linkme', 'default', '-n', NS],
      reset: () => {
        pullSecret('linkme');
        setLinks(['other', 'linkme']);
      },
      state: () => (sa().imagePullSecrets ?? []).map((r: any) => r.name),
      wanted: () => !linked('linkme') && linked('other'),
    },
    {
      name: 'delete',
      args: ['delete', `${NS}/app:v2`],
      reset: () => {
        drop(IS, NS, 'app');
        sb.store.create(IS, {
          apiVersion: 'image.openshift.io/v1',
          kind: 'ImageStream',
          metadata: { name: 'app', namespace: NS },
          spec: { lookupPolicy: { local: false } },
          status: {
            dockerImageRepository: `image-registry.openshift-image-registry.svc:5000/${NS}/app`,
            tags: ['v1', 'v2'].map((t) => ({ tag: t, items: [{ created: '2026-01-01T00:00:00Z', dockerImageReference: `x@sha256:${hex(t)}`, image: `sha256:${hex(t)}`, generation: 1 }] })),
          },
        });
      },
      state: tags,
      wanted: () => JSON.stringify(tags()) === '["v1"]',
    },
  ];
}

beforeAll(async () => {
  sb = await startSandbox({ profile: 'aws' });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-faults-'));
  sb.store.create('/namespaces', { metadata: { name: NS } });
  await sb.waitFor((s) => { const o: any = s.get('/serviceaccounts', NS, 'default'); const ref = o?.metadata?.annotations?.['openshift.io/internal-registry-pull-secret-ref']; return !!ref && (o.imagePullSecrets ?? []).some((r: any) => r.name === ref); });
});
afterAll(async () => {
  if (rows.length) process.stderr.write(renderMatrix('project commands', rows));
  await sb?.stop();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('fault matrix: project commands', () => {
  it('every command under every fault: no false success, no unreported change, converges, then idempotent', { timeout: 280_000 }, async () => {
    const { matrix } = makeRunner(sb, { KUBECONFIG: sb.kubeconfigPath, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost', HOME: tmp });
    await matrix(cases(), rows);
    expectNoViolations(rows);
  });
});
