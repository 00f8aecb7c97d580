// Chain verification against chosen anchors (what certs.d or the ingress CA would trust), and the human
// report: words without colour, symbols with it, evidence and fix under warnings and failures.
import { describe, expect, it, beforeAll } from 'vitest';
import { createCA, type CertificateAuthority, type Issued } from '../sandbox/pki.ts';
import { daysLeft, verifyChain } from '../../src/doctor/tls-verify.js';
import { renderReport } from '../../src/doctor/render.js';
import { createIO } from '../../src/output/io.js';
import type { DoctorReport } from '../../src/doctor/model.js';

const HOST = 'default-route-openshift-image-registry.apps.example.com';
let ca: CertificateAuthority;
let other: CertificateAuthority;
let leaf: Issued;
let expired: Issued;

beforeAll(async () => {
  [ca, other] = await Promise.all([createCA('ingress-operator@1'), createCA('someone-else')]);
  leaf = await ca.issue({ commonName: '*.apps.example.com', dnsNames: ['*.apps.example.com'], server: true });
  expired = await ca.issue({ commonName: HOST, dnsNames: [HOST], notBefore: new Date(Date.now() - 10 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) });
});

describe('verifyChain', () => {
  it('verifies a leaf (with or without the CA in the chain) against its CA', () => {
    expect(verifyChain([leaf.certPem], ca.certPem, HOST)).toEqual({ ok: true });
    expect(verifyChain([leaf.certPem, ca.certPem], ca.certPem, HOST)).toEqual({ ok: true });
    expect(verifyChain([leaf.certPem, ca.certPem], other.certPem + ca.certPem, HOST)).toEqual({ ok: true });
  });
  it('fails with another CA, the wrong host, an expired certificate, no anchors', () => {
    expect(verifyChain([leaf.certPem, ca.certPem], other.certPem, HOST).error).toMatch(/unable to get the issuer/);
    expect(verifyChain([leaf.certPem], ca.certPem, 'registry.example.org').error).toMatch(/not valid for registry\.example\.org/);
    expect(verifyChain([expired.certPem], ca.certPem, HOST).error).toMatch(/expired on/);
    expect(verifyChain([leaf.certPem], '', HOST).error).toBe('no CA certificate to verify with');
    expect(verifyChain([], ca.certPem, HOST).error).toBe('the server sent no certificate');
  });
  it('daysLeft counts down to notAfter', () => {
    expect(daysLeft(leaf.certPem)).toBeGreaterThan(300);
    expect(daysLeft(expired.certPem)).toBeLessThan(0);
  });
});

function io(color: boolean) {
  const sink = { write: () => true, isTTY: color };
  return createIO({ stdout: sink, stderr: sink, stdin: { isTTY: false } as never, env: color ? { FORCE_COLOR: '1' } : {}, noColor: false });
}

const report: DoctorReport = {
  apiVersion: 'regctl.openshift.io/v1',
  kind: 'DoctorReport',
  server: 'https://api.example:6443',
  user: 'kube:admin',
  namespace: 'default',
  result: 'fail',
  summary: { ok: 1, warn: 1, fail: 1, skipped: 1 },
  checks: [
    { id: 'api', title: '', verdict: 'ok', summary: 'answers', evidence: ['SelfSubjectReview: user kube:admin'], durationMs: 1 },
    { id: 'route', title: '', verdict: 'fail', summary: 'not exposed', evidence: ['spec.defaultRoute: false'], fix: 'regctl expose --default-route', durationMs: 1 },
    { id: 'tls', title: '', verdict: 'skipped', summary: 'depends on route failed', evidence: [], skipped: { dependsOn: 'route', failedCheck: 'route', reason: 'route failed' }, durationMs: 0 },
    { id: 'registry-api', title: '', verdict: 'warn', summary: 'no credentials', evidence: ['GET /v2/ → 200'], fix: 'regctl login', durationMs: 1 },
  ],
};

describe('renderReport', () => {
  it('without colour: words, aligned ids, evidence and fix under warn/fail only', () => {
    expect(renderReport(io(false), report, false)).toBe(
      [
        'https://api.example:6443, as kube:admin, project default',
        '',
        'ok   api          answers',
        'FAIL route        not exposed',
        '                  spec.defaultRoute: false',
        '                  fix: regctl expose --default-route',
        'skip tls          skipped: depends on route failed',
        'warn registry-api no credentials',
        '                  GET /v2/ → 200',
        '                  fix: regctl login',
        '',
        '1 ok, 1 warning, 1 failed, 1 skipped',
        '',
      ].join('\n'),
    );
  });
  it('wide shows the evidence of every check', () => {
    expect(renderReport(io(false), report, true)).toContain('ok   api          answers\n                  SelfSubjectReview: user kube:admin\n');
  });
  it('with colour: symbols', () => {
    const out = renderReport(io(true), report, false).replace(/\x1b\[[0-9;]*m/g, '');
    expect(out).toContain('✔ api          answers');
    expect(out).toContain('✖ route        not exposed');
    expect(out).toContain('– tls          skipped: depends on route failed');
    expect(out).toContain('⚠ registry-api no credentials');
    expect(out).toContain('               fix: regctl login');
  });
});
