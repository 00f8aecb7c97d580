// Fault matrix, commands that also talk to the registry (default route exposed, one image pushed with skopeo):
// login / logout (the auth file is the state) and import-image (an ImageStreamImport through the API).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { contentEnv, type ContentEnv } from '../e2e/support/content-env.js';
import { expectNoViolations, makeRunner, renderMatrix, type Case, type Row } from './support/matrix.js';

const IS = 'image.openshift.io/imagestreams';
let e: ContentEnv;
let authfile: string;
const rows: Row[] = [];

const entries = (): string[] => {
  try {
    return Object.keys(JSON.parse(fs.readFileSync(authfile, 'utf8')).auths ?? {}).sort();
  } catch {
    return [];
  }
};
const writeAuth = (hosts: string[]) =>
  fs.writeFileSync(authfile, JSON.stringify({ auths: Object.fromEntries(hosts.map((h) => [h, { auth: Buffer.from('u:p').toString('base64') }])) }), { mode: 0o600 });

function cases(): Case[] {
  const host = e.host;
  const certs = path.join(e.certsDir);
  const mirror = () => e.sb.store.get(IS, 'shared', 'mirror') as any;
  return [
    {
      name: 'login',
      args: ['login', '--authfile', authfile, '--certs-dir', certs],
      reset: () => writeAuth(['quay.io']),
      state: entries,
      wanted: () => entries().includes(host) && entries().includes('quay.io'),
    },
    {
      name: 'logout',
      args: ['logout', '--authfile', authfile],
      reset: () => writeAuth(['quay.io', host]),
      state: entries,
      wanted: () => !entries().includes(host) && entries().includes('quay.io'),
    },
    {
      name: 'import-image',
      args: ['import-image', 'mirror:1.0', '--from', `${host}/team/app:v1`, '-n', 'shared', '--confirm'],
      reset: () => {
        if (mirror()) e.sb.store.delete(IS, 'shared', 'mirror');
      },
      state: () => (mirror()?.status?.tags ?? []).map((t: any) => `${t.tag}@${t.items?.[0]?.image}`),
      wanted: () => (mirror()?.status?.tags ?? []).some((t: any) => t.tag === '1.0' && t.items?.length),
    },
  ];
}

beforeAll(async () => {
  e = await contentEnv('faults');
  authfile = path.join(e.tmp, 'fault-auth.json');
  e.createNamespace('shared');
  e.createNamespace('team');
  await e.push('team/app:v1', 'fault matrix image');
}, 120_000);
afterAll(async () => {
  if (rows.length) process.stderr.write(renderMatrix('registry access commands', rows));
  await e?.stop();
});

describe('fault matrix: registry access commands', () => {
  it('every command under every fault: no false success, no unreported change, converges, then idempotent', { timeout: 280_000 }, async () => {
    const { matrix } = makeRunner(e.sb, {
      KUBECONFIG: e.sb.kubeconfigPath,
      HTTPS_PROXY: e.sb.proxyUrl,
      NO_PROXY: '127.0.0.1,localhost',
      HOME: path.join(e.tmp, 'home'),
      XDG_RUNTIME_DIR: path.join(e.tmp, 'xdg'),
    });
    await matrix(cases(), rows);
    expectNoViolations(rows);
  });
});
