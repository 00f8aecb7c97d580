// regctl prune plan keeps images referenced only by the kinds openshift-apiserver and kube-apiserver serve besides
// pods/deployments: a StatefulSet (init container), a ReplicationController (by tag), a DeploymentConfig, a Build
// (ImageStreamImage) and a BuildConfig (ImageStreamTag), created with kubectl from YAML as a user would; the old
// revision beside each, and a build's output, are pruned (oc adm prune images reads only a build strategy's `from`).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentEnv, type ContentEnv } from './support/content-env.ts';
import { digest, image, REG, restore, stream } from './support/prune-fixtures.ts';
import { runTool } from './support/tool.ts';

const FIXTURE = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'prune-kinds', 'workloads.yaml');
const KINDS = ['sts', 'rc', 'dc', 'build', 'bc'] as const;
const D = (n: string) => digest(n);
let env: ContentEnv;

beforeAll(async () => {
  env = await contentEnv('prune-kinds');
  env.createNamespace('kinds');
  restore(env.sb.store, 'image.openshift.io/images', [
    ...KINDS.flatMap((k) => [image(`${k}-old`, { repo: `kinds/${k}-img` }), image(`${k}-new`, { repo: `kinds/${k}-img` })]),
    image('out-1', { repo: 'kinds/origin-ruby-sample' }),
  ]);
  restore(env.sb.store, 'image.openshift.io/imagestreams', [
    ...KINDS.map((k) => stream('kinds', `${k}-img`, { latest: [`${k}-new`, `${k}-old`] })),
    stream('kinds', 'origin-ruby-sample', { latest: ['out-1'] }),
  ]);
  const yaml = fs.readFileSync(FIXTURE, 'utf8').replaceAll('__REG__', REG).replace(/__DIGEST_([a-z-]+)__/g, (_m, n: string) => D(n));
  const file = path.join(env.tmp, 'workloads.yaml');
  fs.writeFileSync(file, yaml);
  const r = await runTool('kubectl', ['create', '-n', 'kinds', '-f', file], env.sb.env, env.tmp);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
}, 60_000);

afterAll(async () => {
  await env?.stop();
});

describe('prune plan: statefulsets, replication controllers, deployment configs, builds, build configs', () => {
  it('kubectl sees the five kinds as served (discovery, short names) and the create strategies ran', async () => {
    const r = await runTool('kubectl', ['get', 'sts,rc,dc,build,bc', '-n', 'kinds', '-o', 'json'], env.sb.env, env.tmp);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const items = JSON.parse(r.stdout).items as any[];
    expect(items.map((i) => `${i.kind}/${i.metadata.name}`).sort()).toEqual(['Build/ruby-sample-build-1', 'BuildConfig/ruby-sample-build', 'DeploymentConfig/frontend', 'ReplicationController/legacy', 'StatefulSet/db']);
    const by = Object.fromEntries(items.map((i) => [i.kind, i]));
    expect(by.Build.status.phase).toBe('New');
    expect(by.BuildConfig.spec).toMatchObject({ successfulBuildsHistoryLimit: 5, failedBuildsHistoryLimit: 5 });
    expect(by.DeploymentConfig.status).toMatchObject({ latestVersion: 0, replicas: 0 });
  });

  it('an unknown field in a BuildConfig is refused by strict field validation (its OpenAPI schema is served)', async () => {
    const file = path.join(env.tmp, 'bad-bc.yaml');
    fs.writeFileSync(file, 'apiVersion: build.openshift.io/v1\nkind: BuildConfig\nmetadata:\n  name: bad\nspec:\n  strategy:\n    type: Docker\n    dockerStrategy: {}\n  bogusField: 1\n');
    const r = await runTool('kubectl', ['create', '-n', 'kinds', '-f', file], env.sb.env, env.tmp);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('bogusField');
    expect(env.sb.store.get('build.openshift.io/buildconfigs' as any, 'kinds', 'bad')).toBeUndefined();
  });

  it('keeps each referenced image as in-use naming its referrer, prunes the old revisions and the build output', async () => {
    const r = await env.cli(['prune', 'plan', '--keep-tag-revisions', '0', '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const plan = JSON.parse(r.stdout);
    expect(plan.skippedKinds).toEqual([]);
    const by = Object.fromEntries(plan.images.map((i: any) => [i.name, i]));
    const referrer: Record<(typeof KINDS)[number], string> = {
      sts: 'statefulset/kinds/db',
      rc: 'replicationcontroller/kinds/legacy',
      dc: 'deploymentconfig/kinds/frontend',
      build: 'build/kinds/ruby-sample-build-1',
      bc: 'buildconfig/kinds/ruby-sample-build',
    };
    for (const k of KINDS) {
      expect(by[D(`${k}-new`)], k).toMatchObject({ decision: 'keep', reason: 'in-use' });
      expect(by[D(`${k}-new`)].detail, k).toContain(referrer[k]);
      expect(by[D(`${k}-old`)], k).toMatchObject({ decision: 'prune', reason: 'old-revision' });
    }
    expect(by[D('rc-new')].detail).toContain('(via kinds/rc-img:latest)');
    expect(by[D('bc-new')].detail).toContain('(via kinds/bc-img:latest)');
    expect(by[D('out-1')]).toMatchObject({ decision: 'prune' });
  });
});
