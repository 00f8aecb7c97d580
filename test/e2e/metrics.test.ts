// `regctl metrics` against the sandbox's registry: the summary through the default route, --internal, -o json,
// --raw/--filter, --watch rates, a user without the metrics role (401 → grant hint) and after the grant.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { startSandbox, type Sandbox } from '../sandbox/index.js';
import { runCli } from '../helpers/cli.js';
import { emptySharedNamespace } from './support/shared-namespace.js';
import { parsePrometheusText } from '../../src/metrics/parse.js';

const CFG = 'imageregistry.operator.openshift.io/configs';
const RBAC = 'rbac.authorization.k8s.io';

function envFor(sb: Sandbox, extra: Record<string, string> = {}) {
  return { KUBECONFIG: sb.kubeconfigPath, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost', ...extra };
}

describe('regctl metrics', () => {
  let sb: Sandbox;
  beforeAll(async () => {
    sb = await startSandbox({ profile: 'aws' });
    const cfg = sb.store.get(CFG, undefined, 'cluster')!;
    (cfg.spec as any).defaultRoute = true;
    sb.store.update(CFG, cfg);
    await sb.waitFor((s) => {
      const img = s.get('config.openshift.io/images', undefined, 'cluster') as any;
      const c = s.get(CFG, undefined, 'cluster') as any;
      return (
        (img?.status?.externalRegistryHostnames ?? []).includes(sb.defaultRouteHost) &&
        (c?.status?.conditions ?? []).some((x: any) => x.type === 'Available' && x.status === 'True' && x.reason === 'Ready')
      );
    }, 20_000);
  });
  afterAll(async () => sb?.stop());

  // First: its scrapes put GET 200 into the counters the later tests look for.
  it('--raw prints the exposition as sent; --filter narrows raw and table output', async () => {
    const raw = await runCli(['metrics', '--raw'], { env: envFor(sb) });
    expect(raw.code).toBe(0);
    expect(raw.stdout).toMatch(/^# HELP /);
    expect(parsePrometheusText(raw.stdout).some((f) => f.name === 'imageregistry_build_info')).toBe(true);

    const rawF = await runCli(['metrics', '--raw', '--filter', 'imageregistry_http_request_duration'], { env: envFor(sb) });
    expect(rawF.stdout.split('\n').filter(Boolean).every((l) => /^(# (HELP|TYPE) )?imageregistry_http_request_duration_seconds/.test(l))).toBe(true);
    expect(rawF.stdout).toContain('imageregistry_http_request_duration_seconds_count{method="get"}');

    const table = await runCli(['metrics', '--filter', 'in_flight|build_info'], { env: envFor(sb) });
    expect(table.code).toBe(0);
    const rows = table.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^NAME\s+TYPE\s+LABELS\s+VALUE$/);
    expect(rows.slice(1).map((l) => l.split(/\s+/)[0]).sort()).toEqual(['imageregistry_build_info', 'imageregistry_http_in_flight_requests', 'promhttp_metric_handler_requests_in_flight']);

  });

  it('-o json follows the documented schema; --internal reaches the service host', async () => {
    const r = await runCli(['metrics', '--internal', '-o', 'json'], { env: envFor(sb) });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ apiVersion: 'regctl.openshift.io/v1', kind: 'RegistryMetrics', endpoint: 'https://image-registry.openshift-image-registry.svc:5000/extensions/v2/metrics' });
    expect(Date.parse(doc.scrapedAt)).not.toBeNaN();
    expect(doc.summary.buildInfo).toMatchObject({ major: '4', gitCommit: 'd4cce00' });
    expect(doc.summary.requests.total).toBeGreaterThanOrEqual(1);
    expect(doc.summary.requests.byMethodCode).toContainEqual(expect.objectContaining({ method: 'get', code: '200' }));
    expect(doc.summary.latency[0]).toMatchObject({ key: 'get' });
    expect(Object.keys(doc.summary.latency[0].quantiles)).toEqual(['0.5', '0.9', '0.99']);
    expect(doc.summary.storageErrors).toEqual({ total: expect.any(Number), problems: expect.any(Number), normal: expect.any(Number), alerts: expect.any(Array), series: expect.any(Array) });
    const fam = doc.families.find((f: any) => f.name === 'imageregistry_http_requests_total');
    expect(fam).toMatchObject({ type: 'counter', help: expect.any(String) });
    expect(fam.samples[0]).toMatchObject({ name: 'imageregistry_http_requests_total', labels: { method: 'get' }, value: expect.any(Number) });
  });

  it('shows the summary through the default route, without leaking the token (even with -v)', async () => {
    const r = await runCli(['metrics', '-v'], { env: envFor(sb) });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Registry\s+v4\.17\.0-.* \(commit d4cce00\)$/m);
    expect(r.stdout).toContain(`Endpoint            https://${sb.defaultRouteHost}/extensions/v2/metrics`);
    expect(r.stdout).toMatch(/^Requests\s+\d+ total, \d+ in flight$/m);
    expect(r.stdout).toMatch(/Requests by method and code\nMETHOD\s+CODE\s+COUNT\nGET\s+200\s+\d+/);
    expect(r.stdout).toMatch(/Request latency by method\nMETHOD\s+COUNT\s+MEAN\s+P50\s+P90\s+P99/);
    expect(r.stderr).toContain(`GET https://${sb.defaultRouteHost}/extensions/v2/metrics 200`);
    expect(r.all).not.toContain(sb.tokens.admin);
    expect(r.all).not.toContain(Buffer.from(`regctl:${sb.tokens.admin}`).toString('base64'));
  });

  it('--watch prints per-second rates (NDJSON with -o json) and stops after --count', async () => {
    const r = await runCli(['metrics', '--watch', '1s', '--count', '2', '-o', 'json'], { env: envFor(sb) });
    expect(r.code).toBe(0);
    const reports = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(reports).toHaveLength(2);
    for (const x of reports) {
      expect(x).toMatchObject({ apiVersion: 'regctl.openshift.io/v1', kind: 'RegistryMetricsRates' });
      expect(x.intervalSeconds).toBeGreaterThan(0.5);
      // Each scrape is itself a GET answered 200, so the rate cannot be zero.
      expect(x.requests.byMethodCode).toContainEqual(expect.objectContaining({ method: 'get', code: '200', perSecond: expect.any(Number) }));
      expect(x.requests.byMethodCode.find((m: any) => m.method === 'get' && m.code === '200').perSecond).toBeGreaterThan(0);
    }
    expect(r.stderr).toMatch(/every 1s; per-second rates follow/);
  });

  it('--watch runs until Ctrl-C (exit 130)', async () => {
    let child: import('node:child_process').ChildProcess | undefined;
    let out = '';
    const run = runCli(['metrics', '--watch', '1s'], {
      env: envFor(sb),
      onSpawn: (c) => {
        child = c;
        c.stdout!.on('data', (d) => (out += d));
      },
    });
    await new Promise<void>((resolve, reject) => {
      const started = Date.now();
      const t = setInterval(() => {
        if (/req\/s/.test(out) || Date.now() - started > 20_000) {
          clearInterval(t);
          /req\/s/.test(out) ? resolve() : reject(new Error(`no report: ${out}`));
        }
      }, 50);
    });
    child!.kill('SIGINT');
    const r = await run;
    expect(r.code).toBe(130);
    expect(r.stdout).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z {2}[\d.]+s {2}[\d.]+ req\/s {2}\d+ in flight/m);
  });

  it('a user who may not read where the registry is: exit 4 (forbidden), not 5', async () => {
    // Every authenticated user may list the image streams in `openshift` (shared-resource-viewers), whose status names
    // the registry hosts: this cluster has none there (an admin deleted them), so the developer can read no host.
    emptySharedNamespace(sb);
    const r = await runCli(['--context', 'developer', 'metrics'], { env: envFor(sb) });
    expect(r.code, r.all).toBe(4);
    expect(r.stderr).toMatch(/^error: cannot find the registry host: you may not read image\.config, the registry routes or an image stream\nhint: ask a cluster admin for `regctl grant reader developer`: /);
  });

  it('a user without the metrics role gets 401 explained with the grant to run; after the grant it works', async () => {
    // So that regctl can confirm --registry HOST as this cluster's registry (the token rule): the reader role.
    const reader = await runCli(['grant', 'reader', 'developer'], { env: envFor(sb) });
    expect(reader.code, reader.all).toBe(0);
    const caFile = path.join(sb.dir, 'ingress-ca.crt');
    const args = ['--context', 'developer', 'metrics', '--registry', sb.defaultRouteHost, '--ca-file', caFile];
    const denied = await runCli([...args, '-v'], { env: envFor(sb) });
    expect(denied.code).toBe(4);
    expect(denied.stdout).toBe('');
    expect(denied.stderr).toContain(`error: developer may not read the registry metrics (${sb.defaultRouteHost} answered 401 access denied)`);
    expect(denied.stderr).toContain('hint: ask a cluster admin to run `regctl grant metrics developer` (get on image.openshift.io registry/metrics)');
    expect(denied.all).not.toContain(sb.tokens.developer);

    // What `regctl grant metrics developer` does: bind the product's registry-monitoring ClusterRole.
    sb.store.create(`${RBAC}/clusterrolebindings`, {
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: { name: 'e2e-metrics-developer' },
      roleRef: { apiGroup: RBAC, kind: 'ClusterRole', name: 'registry-monitoring' },
      subjects: [{ apiGroup: RBAC, kind: 'User', name: 'developer' }],
    });
    // The registry caches access decisions for a few seconds: retry until the grant is seen.
    let ok = await runCli(args, { env: envFor(sb) });
    for (let i = 0; i < 10 && ok.code === 4; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      ok = await runCli(args, { env: envFor(sb) });
    }
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/^Registry\s+v4\.17/m);
    expect(ok.all).not.toContain(sb.tokens.developer);
  });

  it('a client-certificate user has no token for the registry', async () => {
    const r = await runCli(['--context', 'system-admin', 'metrics'], { env: envFor(sb) });
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/client certificate, which the registry does not accept/);
    // The hint names only what metrics takes: --service-account (or --token), not login's --username.
    expect(r.stderr).toMatch(/^hint: use --service-account SA \(short-lived token, e\.g\. -z builder -n PROJECT\) or --token; or `oc login` as a user with a token$/m);
    // Followed: a service account with the metrics role, its short-lived token minted by the certificate user.
    sb.store.create('/serviceaccounts', { metadata: { name: 'scraper', namespace: 'default' } });
    const grant = await runCli(['grant', 'metrics', '-z', 'scraper', '-n', 'default'], { env: envFor(sb) });
    expect(grant.code, grant.all).toBe(0);
    const asSA = await runCli(['--context', 'system-admin', 'metrics', '--service-account', 'scraper', '-n', 'default'], { env: envFor(sb) });
    expect(asSA.code, asSA.all).toBe(0);
    expect(asSA.stdout).toMatch(/^Registry\s+v4\.17/m);
  });

  it('flag mistakes are usage errors before any request', async () => {
    const r = await runCli(['metrics', '--raw', '-o', 'json'], { env: envFor(sb) });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('error: --raw cannot be combined with -o\nhint: --raw prints the Prometheus text as it came; use -o json for structured output\n');
    const bad = await runCli(['metrics', '--filter', '(unclosed'], { env: envFor(sb) });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/error: --filter "\(unclosed" is not a valid regular expression/);
  });
});
