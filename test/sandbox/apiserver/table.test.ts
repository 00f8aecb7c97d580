// Server-side printing: the Table converter per kind, the Accept negotiation, and kubectl 1.32 against a sandbox.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../index.ts';
import { defaultResourceTypes } from '../resources.ts';
import type { KubeObject, ResourceType } from '../types.ts';
import { evalJsonPath, humanDuration, tableRequest, toTable } from './table.ts';
import type { TableRequest } from './table.ts';

const NOW = Date.parse('2025-01-10T12:00:00Z');
const ago = (s: number) => new Date(NOW - s * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
const types = defaultResourceTypes();
const type = (group: string, resource: string): ResourceType => types.find((t) => t.group === group && t.resource === resource)!;
const META: TableRequest = { apiVersion: 'meta.k8s.io/v1', includeObject: 'Metadata' };
const header = (tbl: any) => tbl.columnDefinitions.map((c: any) => c.name);
const cells = (t: ResourceType, o: KubeObject) => toTable(t, o, META, NOW).rows[0].cells;

describe('table converter', () => {
  it('formats ages like apimachinery HumanDuration', () => {
    expect([5, 119, 125, 600, 3 * 3600 + 600, 30 * 3600, 3 * 86400 + 7200, 40 * 86400, 800 * 86400].map((s) => humanDuration(s * 1000))).toEqual([
      '5s', '119s', '2m5s', '10m', '3h10m', '30h', '3d2h', '40d', '2y70d',
    ]);
  });

  it('evaluates the JSONPath subset of printer columns', () => {
    const o = { status: { conditions: [{ type: 'Available', status: 'True' }, { type: 'Degraded', status: 'False' }], ingress: [{ host: 'h' }] } };
    expect(evalJsonPath(o, '.status.conditions[?(@.type=="Degraded")].status')).toEqual(['False']);
    expect(evalJsonPath(o, '.status.ingress[0].host')).toEqual(['h']);
    expect(evalJsonPath(o, '.status.ingress[1].host')).toEqual([]);
    expect(evalJsonPath(o, '.status.conditions[*].type')).toEqual(['Available', 'Degraded']);
  });

  it('uses the CRD printer columns of ClusterOperator, dates as ages', () => {
    const co = {
      metadata: { name: 'image-registry', resourceVersion: '7', creationTimestamp: ago(60) },
      status: {
        versions: [{ name: 'operator', version: '4.17.12' }],
        conditions: [
          { type: 'Available', status: 'True', lastTransitionTime: ago(300) },
          { type: 'Progressing', status: 'False' },
          { type: 'Degraded', status: 'False' },
        ],
      },
    };
    const tbl = toTable(type('config.openshift.io', 'clusteroperators'), co, META, NOW);
    expect(tbl).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: { resourceVersion: '7' } });
    expect(header(tbl)).toEqual(['Name', 'Version', 'Available', 'Progressing', 'Degraded', 'Since']);
    expect(tbl.rows[0].cells).toEqual(['image-registry', '4.17.12', 'True', 'False', 'False', '5m']);
    expect(tbl.rows[0].object).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: co.metadata });
  });

  it('gives CRDs without printer columns Name and Age, other kinds Name and Created At', () => {
    const cfg = { metadata: { name: 'cluster', creationTimestamp: ago(90) } };
    const list = toTable(type('imageregistry.operator.openshift.io', 'configs'), { metadata: { resourceVersion: '9', continue: 'c' }, items: [cfg] }, { ...META, includeObject: 'None' }, NOW);
    expect(header(list)).toEqual(['Name', 'Age']);
    expect(list.metadata).toEqual({ resourceVersion: '9', continue: 'c' });
    expect(list.rows).toEqual([{ cells: ['cluster', '90s'] }]);
    const role = toTable(type('rbac.authorization.k8s.io', 'clusterroles'), cfg, META, NOW);
    expect(header(role)).toEqual(['Name', 'Created At']);
    expect(role.rows[0].cells).toEqual(['cluster', cfg.metadata.creationTimestamp]);
  });

  it('prints pods like kube: ready count, status reason, restarts with the last restart, wide columns', () => {
    const pod = {
      metadata: { name: 'p', creationTimestamp: ago(3600) },
      spec: { nodeName: 'n1', containers: [{ name: 'a' }, { name: 'b' }] },
      status: {
        phase: 'Running',
        podIP: '10.128.0.5',
        containerStatuses: [
          { name: 'a', ready: true, restartCount: 2, state: { running: {} }, lastState: { terminated: { finishedAt: ago(120) } } },
          { name: 'b', ready: false, restartCount: 0, state: { waiting: { reason: 'CrashLoopBackOff' } } },
        ],
      },
    };
    const t = type('', 'pods');
    expect(header(toTable(t, pod, META, NOW))).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age', 'IP', 'Node', 'Nominated Node', 'Readiness Gates']);
    expect(cells(t, pod)).toEqual(['p', '1/2', 'CrashLoopBackOff', '2 (2m ago)', '60m', '10.128.0.5', 'n1', '<none>', '<none>']);
    expect(cells(t, { metadata: { name: 'q', deletionTimestamp: ago(1) }, spec: { containers: [{}] }, status: { phase: 'Running' } }).slice(0, 3)).toEqual(['q', '0/1', 'Terminating']);
    const done = toTable(t, { metadata: { name: 'd' }, spec: { containers: [{}] }, status: { phase: 'Succeeded', containerStatuses: [{ state: { terminated: { reason: 'Completed', exitCode: 0 } } }] } }, META, NOW);
    expect(done.rows[0].cells[2]).toBe('Completed');
    expect(done.rows[0].conditions).toEqual([expect.objectContaining({ type: 'Completed', status: 'True', reason: 'Succeeded' })]);
  });

  it('prints deployments, configmaps, secrets, nodes and role bindings with kube columns', () => {
    const dep = { metadata: { name: 'image-registry', creationTimestamp: ago(30) }, spec: { replicas: 3, selector: { matchLabels: { 'docker-registry': 'default' } }, template: { spec: { containers: [{ name: 'registry', image: 'img' }] } } }, status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 } };
    expect(cells(type('apps', 'deployments'), dep)).toEqual(['image-registry', '2/3', 3, 2, '30s', 'registry', 'img', 'docker-registry=default']);
    expect(cells(type('', 'configmaps'), { metadata: { name: 'c' }, data: { a: '1', b: '2' } })).toEqual(['c', 2, '<unknown>']);
    expect(cells(type('', 'secrets'), { metadata: { name: 's', creationTimestamp: ago(5) }, type: 'kubernetes.io/tls', data: { 'tls.crt': '', 'tls.key': '' } })).toEqual(['s', 'kubernetes.io/tls', 2, '5s']);
    const node = {
      metadata: { name: 'n1', creationTimestamp: ago(86400 * 3), labels: { 'node-role.kubernetes.io/worker': '', 'node-role.kubernetes.io/master': '' } },
      spec: { unschedulable: true },
      status: { conditions: [{ type: 'Ready', status: 'True' }], nodeInfo: { kubeletVersion: 'v1.30.7' }, addresses: [{ type: 'InternalIP', address: '10.0.0.1' }] },
    };
    expect(cells(type('', 'nodes'), node).slice(0, 7)).toEqual(['n1', 'Ready,SchedulingDisabled', 'master,worker', '3d', 'v1.30.7', '10.0.0.1', '<none>']);
    const rb = { metadata: { name: 'system:image-pullers' }, roleRef: { kind: 'ClusterRole', name: 'system:image-puller' }, subjects: [{ kind: 'Group', name: 'g' }, { kind: 'ServiceAccount', namespace: 'ns', name: 'sa' }] };
    expect(cells(type('rbac.authorization.k8s.io', 'rolebindings'), rb)).toEqual(['system:image-pullers', 'ClusterRole/system:image-puller', '<unknown>', '', 'g', 'ns/sa']);
  });

  it('prints routes and image streams like openshift-apiserver', () => {
    const route = {
      metadata: { name: 'default-route' },
      spec: { host: 'r.apps.example.com', to: { kind: 'Service', name: 'image-registry' }, tls: { termination: 'reencrypt' }, wildcardPolicy: 'None' },
      status: { ingress: [{ host: 'r.apps.example.com', conditions: [{ type: 'Admitted', status: 'True' }] }] },
    };
    expect(cells(type('route.openshift.io', 'routes'), route)).toEqual(['default-route', 'r.apps.example.com', '', 'image-registry', '<all>', 'reencrypt', 'None']);
    const rejected = { ...route, status: { ingress: [{ host: 'r', conditions: [{ type: 'Admitted', status: 'False', reason: 'HostAlreadyClaimed' }] }] } };
    expect(cells(type('route.openshift.io', 'routes'), rejected)[1]).toBe('HostAlreadyClaimed');
    const is = {
      metadata: { name: 'app' },
      status: {
        dockerImageRepository: 'image-registry.openshift-image-registry.svc:5000/p/app',
        tags: ['a', 'b', 'c', 'd'].map((tag, i) => ({ tag, items: [{ created: ago(600 + i * 60) }] })),
      },
    };
    expect(cells(type('image.openshift.io', 'imagestreams'), is)).toEqual(['app', 'image-registry.openshift-image-registry.svc:5000/p/app', 'a,b,c + 1 more...', '10 minutes ago']);
  });

  it('negotiates the Table media type from Accept and includeObject', () => {
    const req = (accept: string, q = '') => tableRequest({ req: { headers: { accept } } as any, url: new URL(`https://x/api/v1/pods${q}`) });
    const kubectl = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
    expect(req(kubectl)).toEqual({ apiVersion: 'meta.k8s.io/v1', includeObject: 'Metadata' });
    expect(req(kubectl, '?includeObject=Object')).toEqual({ apiVersion: 'meta.k8s.io/v1', includeObject: 'Object' });
    expect(req('application/json;as=Table;v=v1beta1;g=meta.k8s.io')).toMatchObject({ apiVersion: 'meta.k8s.io/v1beta1' });
    expect(req('application/json')).toBeUndefined();
    expect(req('application/json, application/json;as=Table;v=v1;g=meta.k8s.io')).toBeUndefined();
    expect(req('application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,application/json')).toBeUndefined();
  });
});

const KUBECTL = '/usr/bin/kubectl';

describe.skipIf(!fs.existsSync(KUBECTL))('kubectl get against the sandbox', () => {
  let sb: Sandbox;
  let home: string;
  const kubectl = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(KUBECTL, args, { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin', HOME: home, KUBECONFIG: sb.kubeconfigPath }, timeout: 30_000 }, (e, stdout, stderr) =>
        resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
  const words = (line: string | undefined) => (line ?? '').trim().split(/\s{2,}/);

  beforeAll(async () => {
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-table-test-'));
    sb = await startSandbox({ profile: 'aws' });
  }, 30_000);
  afterAll(async () => {
    await sb?.stop();
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  it('shows the ClusterOperator columns of its CRD', async () => {
    const r = await kubectl('get', 'co', 'image-registry');
    expect(r.code, r.stderr).toBe(0);
    const [head, row] = r.stdout.trim().split('\n');
    expect(words(head)).toEqual(['NAME', 'VERSION', 'AVAILABLE', 'PROGRESSING', 'DEGRADED', 'SINCE']);
    expect(words(row).slice(0, 5)).toEqual(['image-registry', '4.17.12', 'True', 'False', 'False']);
    expect(words(row)[5]).toMatch(/^\d+(s|m)/);
  });

  it('shows pod READY/STATUS columns, and the wide ones with -o wide', async () => {
    const r = await kubectl('get', 'pods', '-n', 'openshift-image-registry', '-l', 'docker-registry=default');
    expect(r.code, r.stderr).toBe(0);
    const [head, ...rows] = r.stdout.trim().split('\n');
    expect(words(head)).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    expect(rows).toHaveLength(2);
    for (const row of rows) expect(words(row).slice(1, 4)).toEqual(['1/1', 'Running', '0']);
    const wide = await kubectl('get', 'pods', '-n', 'openshift-image-registry', '-o', 'wide');
    expect(words(wide.stdout.split('\n')[0])).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    expect(wide.stdout).toMatch(/\s10\.128\.\d+\.\d+\s+ip-10-0-/);
  });

  it('shows NAME and AGE for the registry config, NAMESPACE with -A, labels with --show-labels', async () => {
    const r = await kubectl('get', 'configs.imageregistry.operator.openshift.io');
    expect(r.code, r.stderr).toBe(0);
    const [head, row] = r.stdout.trim().split('\n');
    expect(words(head)).toEqual(['NAME', 'AGE']);
    expect(words(row)[0]).toBe('cluster');
    const all = await kubectl('get', 'deploy', '-A', '--show-labels');
    expect(words(all.stdout.split('\n')[0])).toEqual(['NAMESPACE', 'NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'LABELS']);
    expect(all.stdout).toMatch(/openshift-image-registry\s+image-registry\s+2\/2\s+2\s+2\s/);
  });

  it('kubectl describe pod lists the pod\'s events (event field selectors on involvedObject.*)', async () => {
    const pod = sb.store.list('/pods', 'openshift-image-registry', { labelSelector: 'docker-registry=default' }).items[0]!.metadata.name!;
    const d = await kubectl('describe', 'pod', pod, '-n', 'openshift-image-registry');
    expect(d.code, d.stderr).toBe(0);
    const events = d.stdout.slice(d.stdout.indexOf('\nEvents:'));
    expect(events).toMatch(/Normal\s+Scheduled\s+.*default-scheduler\s+Successfully assigned openshift-image-registry\//);
    expect(events).toMatch(/Normal\s+Started\s+.*Started container registry/);
    const sel = await kubectl('get', 'events', '-n', 'openshift-image-registry', '--field-selector', `involvedObject.name=${pod},reason=Started`, '-o', 'name');
    expect(sel.code, sel.stderr).toBe(0);
    expect(sel.stdout.trim().split('\n')).toHaveLength(1);
  });

  it('leaves -o json and -o name unchanged', async () => {
    const j = await kubectl('get', 'co', 'image-registry', '-o', 'json');
    expect(JSON.parse(j.stdout)).toMatchObject({ kind: 'ClusterOperator', apiVersion: 'config.openshift.io/v1', metadata: { name: 'image-registry' } });
    const list = await kubectl('get', 'pods', '-n', 'openshift-image-registry', '-o', 'json');
    expect(JSON.parse(list.stdout)).toMatchObject({ kind: 'List', items: expect.arrayContaining([expect.objectContaining({ kind: 'Pod' })]) });
    expect((await kubectl('get', 'co', '-o', 'name')).stdout.trim()).toBe('clusteroperator.config.openshift.io/image-registry');
  });

  it('prints virtual resources (projects) through the openshift-apiserver printer', async () => {
    const r = await kubectl('get', 'projects');
    expect(r.code, r.stderr).toBe(0);
    expect(words(r.stdout.split('\n')[0])).toEqual(['NAME', 'DISPLAY NAME', 'STATUS']);
    expect(r.stdout).toMatch(/openshift-image-registry\s+Active/);
  });
});
