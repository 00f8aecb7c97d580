// Registry details where the sandbox now behaves as real OpenShift does (issue 15 item 6), and regctl with them:
// storage-driver metrics (normal pushes count PATH_NOT_FOUND; only the operator's alert codes are flagged), tags in
// no particular order (regctl sorts), manifest DELETE (405 UNSUPPORTED while the stream references the digest, 202
// that deletes nothing by tag) and route hosts under ingresses.config spec.appsDomain.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProxyAgent, request } from 'undici';
import { contentEnv, type ContentEnv } from './support/content-env.ts';
import { runTool } from './support/tool.ts';
import type { TestImage } from '../sandbox/registry/testing/image.ts';

const IS = 'image.openshift.io/imagestreams';
let e: ContentEnv;

beforeAll(async () => {
  e = await contentEnv('fidelity-misc');
  e.createNamespace('team');
}, 60_000);
afterAll(async () => {
  await e?.stop();
});

const kubectl = (args: string[]) => runTool('kubectl', args, e.sb.env as Record<string, string>, e.tmp);
const certDir = () => `${e.certsDir}/${e.host}`;

describe('storage metrics', () => {
  it('a normal push counts PATH_NOT_FOUND on storage-driver calls; regctl does not report them as errors', async () => {
    await e.push('team/metrics:v1', 'metrics\n');
    const raw = await e.cli(['metrics', '--raw', '--filter', 'imageregistry_storage']);
    expect(raw.code, raw.all).toBe(0);
    expect(raw.stdout).toMatch(/^imageregistry_storage_errors_total\{code="PATH_NOT_FOUND",operation="StorageDriver\.Stat"\} \d+$/m);
    expect(raw.stdout).toMatch(/^imageregistry_storage_duration_seconds_count\{operation="StorageDriver\.PutContent"\} \d+$/m);
    expect(raw.stdout).not.toMatch(/operation="(BlobStore|ManifestService)\./);

    const r = await e.cli(['metrics', '-o', 'json']);
    expect(r.code, r.all).toBe(0);
    const errs = JSON.parse(r.stdout).summary.storageErrors;
    expect(errs).toMatchObject({ problems: 0, alerts: [] });
    expect(errs.normal).toBeGreaterThan(0);
    expect(errs.series).toContainEqual(expect.objectContaining({ operation: 'StorageDriver.Stat', code: 'PATH_NOT_FOUND', kind: 'normal' }));

    const human = await e.cli(['metrics']);
    expect(human.code, human.all).toBe(0);
    expect(human.stdout).toMatch(/^Storage errors +0 \(\d+ PATH_NOT_FOUND: normal\)$/m);
    expect(human.stdout).not.toMatch(/^OPERATION /m);
    for (const x of [raw, r, human]) expect(x.all).not.toContain(e.sb.tokens.admin!);
  });

  it('a full storage fails the push (500) and regctl names the operator alert that fires', async () => {
    e.sb.faults.registryStorage = 'DEVICE_OUT_OF_SPACE';
    try {
      await expect(e.push('team/full:v1', 'full\n')).rejects.toThrow(/unknown error|500/i);
    } finally {
      e.sb.faults.registryStorage = undefined;
    }
    const r = await e.cli(['metrics']);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toMatch(/^Storage errors +[1-9]\d* — operator alert ImageRegistryStorageFull \(DEVICE_OUT_OF_SPACE\) \(\d+ PATH_NOT_FOUND: normal\)$/m);
    expect(r.stdout).toMatch(/^StorageDriver\.PutContent +DEVICE_OUT_OF_SPACE +\d+ +operator alert ImageRegistryStorageFull$/m);
    const json = await e.cli(['metrics', '-o', 'json']);
    expect(json.code, json.all).toBe(0);
    const j = JSON.parse(json.stdout).summary.storageErrors;
    expect(j.alerts).toEqual([{ alert: 'ImageRegistryStorageFull', code: 'DEVICE_OUT_OF_SPACE', count: expect.any(Number) }]);
    expect(r.all).not.toContain(e.sb.tokens.admin!);
  });
});

describe('tag order', () => {
  const TAGS = ['v10', 'v9', 'latest', 'a', 'z1', 'b-2', 'b-10', 'c'];
  const SORTED = [...TAGS].sort();

  it('the registry lists tags in no particular order; regctl prints them sorted', async () => {
    const [repo] = e.createStreams('team', 'many', 1, TAGS);
    const orders: string[][] = [];
    for (let i = 0; i < 4; i++) {
      const sk = await e.skopeo(['list-tags', '--cert-dir', certDir(), `docker://${e.host}/${repo}`]);
      expect(sk.ok, sk.stderr).toBe(true);
      orders.push(JSON.parse(sk.stdout).Tags);
    }
    for (const o of orders) expect([...o].sort()).toEqual(SORTED);
    expect(orders.some((o) => o.join() !== SORTED.join())).toBe(true);

    const table = await e.cli(['tags', repo!]);
    expect(table.code, table.all).toBe(0);
    expect(table.stdout).toBe(['TAG', ...SORTED].join('\n') + '\n');
    const json = await e.cli(['tags', repo!, '-o', 'json']);
    expect(JSON.parse(json.stdout).tags).toEqual(SORTED);
    const all = await e.cli(['tags', '--all', '-n', 'team', '-o', 'json']);
    expect(all.code, all.all).toBe(0);
    expect(JSON.parse(all.stdout).repositories.find((r: any) => r.name === repo).tags).toEqual(SORTED);
  });
});

describe('manifest DELETE', () => {
  let one: TestImage;
  let two: TestImage;
  beforeAll(async () => {
    one = await e.push('team/del:v1', 'one\n');
    two = await e.push('team/del:v1', 'two\n');
    await e.push('team/del:v2', 'three\n');
  }, 60_000);
  const statusTags = () => ((e.sb.store.get(IS, 'team', 'del') as any)?.status?.tags ?? []) as any[];

  it('the registry refuses a digest its image stream references (405 UNSUPPORTED), even in a tag\'s history', async () => {
    for (const img of [two, one]) {
      const sk = await e.skopeo(['delete', '--cert-dir', certDir(), `docker://${e.host}/team/del@${img.manifestDigest}`]);
      expect(sk.ok).toBe(false);
      expect(sk.stderr).toMatch(/unsupported/i);
    }
  });

  it('a DELETE by tag answers 202 and deletes nothing', async () => {
    const agent = new ProxyAgent({ uri: e.sb.proxyUrl, requestTls: { ca: e.sb.caPems.ingress } });
    try {
      const res = await request(`https://${e.host}/v2/team/del/manifests/v2`, { method: 'DELETE', headers: { authorization: `Bearer ${e.sb.tokens.admin}` }, dispatcher: agent });
      await res.body.text();
      expect(res.statusCode).toBe(202);
    } finally {
      await agent.close();
    }
    expect(statusTags().map((t) => t.tag).sort()).toEqual(['v1', 'v2']);
    const sk = await e.skopeo(['inspect', '--cert-dir', certDir(), `docker://${e.host}/team/del:v2`]);
    expect(sk.ok, sk.stderr).toBe(true);
  });

  it('regctl delete of a digest only in a tag\'s history says the stream still holds it; deleting the tag says so too', async () => {
    const r = await e.cli(['delete', `team/del@${one.manifestDigest}`, '-o', 'json']);
    expect(r.code, r.all).toBe(0);
    expect(JSON.parse(r.stdout).items).toEqual([
      { namespace: 'team', imageStream: 'del', tag: '', image: one.manifestDigest, stillReferencedBy: [], inHistoryOf: ['v1'], result: 'not found' },
    ]);
    expect(r.stderr).toContain(`no tag of team/del points at ${one.manifestDigest} now, but the history of tag del:v1 still holds it: nothing deleted`);
    expect(r.stderr).toContain('oc adm prune images --keep-tag-revisions=N');
    expect(r.all).not.toContain(e.sb.tokens.admin!);

    expect(statusTags().find((t) => t.tag === 'v1').items.map((i: any) => i.image)).toEqual([two.manifestDigest, one.manifestDigest]);

    // `one` tagged again as v4: deleting v4 leaves it in v1's history, still served by digest.
    await e.push('team/del:v4', 'one\n');
    const d = await e.cli(['delete', 'team/del:v4']);
    expect(d.code, d.all).toBe(0);
    expect(d.stderr).toContain(`team/del:v4 deleted; image ${one.manifestDigest.slice(0, 19)}… no longer tagged, but still in the history of tag del:v1: the registry keeps serving it by digest`);
    const sk = await e.skopeo(['inspect', '--raw', '--cert-dir', certDir(), `docker://${e.host}/team/del@${one.manifestDigest}`]);
    expect(sk.ok, sk.stderr).toBe(true);
  });
});

describe('route hosts', () => {
  const APPS = 'apps2.sandbox.example.com';

  it('routes without a host are allocated under spec.appsDomain; regctl predicts that host and warns about the certificate', async () => {
    const p = await kubectl(['patch', 'ingresses.config.openshift.io', 'cluster', '--type', 'merge', '-p', JSON.stringify({ spec: { appsDomain: APPS } })]);
    expect(p.code, p.stderr).toBe(0);

    const file = path.join(e.tmp, 'route.json');
    fs.writeFileSync(file, JSON.stringify({ apiVersion: 'route.openshift.io/v1', kind: 'Route', metadata: { name: 'plain', namespace: 'team' }, spec: { to: { kind: 'Service', name: 'nothing' } } }));
    const made = await kubectl(['create', '-f', file]);
    expect(made.code, made.stderr).toBe(0);
    const host = await kubectl(['get', 'route', 'plain', '-n', 'team', '-o', 'jsonpath={.spec.host}']);
    expect(host.stdout).toBe(`plain-team.${APPS}`);
    // The default route made before the change keeps its host; the router's canonical name stays under spec.domain.
    expect((await kubectl(['get', 'route', 'default-route', '-n', 'openshift-image-registry', '-o', 'jsonpath={.spec.host}'])).stdout).toBe(e.sb.defaultRouteHost);

    // The dry run names the certs.d entry it would write for the host the route API will allocate.
    const certsd = path.join(e.tmp, 'dry-certs.d');
    const dry = await e.cli(['expose', '--route', 'second', '--trust', '--certs-dir', certsd, '--dry-run', '-o', 'json']);
    expect(dry.code, dry.all).toBe(0);
    expect(JSON.parse(dry.stdout).checks).toContainEqual({ name: 'local: trust', how: `write ${path.join(certsd, `second-openshift-image-registry.${APPS}`, 'ca.crt')}` });

    const r = await e.cli(['expose', '--route', 'second']);
    expect(r.code, r.all).toBe(0);
    expect(r.stdout).toBe(`second-openshift-image-registry.${APPS}\n`);
    expect(r.stderr).toContain(`second-openshift-image-registry.${APPS} is not under *.${e.sb.ingressDomain} (ingresses.config/cluster spec.appsDomain is ${APPS}): the default ingress certificate will not match it`);
    expect(r.all + dry.all).not.toContain(e.sb.tokens.admin!);
    const admitted = await kubectl(['get', 'route', 'second', '-n', 'openshift-image-registry', '-o', 'jsonpath={.status.ingress[0].routerCanonicalHostname}']);
    expect(admitted.stdout).toBe(`router-default.${e.sb.ingressDomain}`);
  });
});
