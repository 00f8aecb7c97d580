// Two regctl logins at once into one large auth.json keep both entries (issue 16 §3): the read-modify-write of the
// file holds `<file>.lock`. Without the lock, about 16 rounds in 20 lost an entry while both runs reported success.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../sandbox/index.ts';
import { loginEnv, type LoginEnv } from './support/login-env.ts';

const INTERNAL = 'image-registry.openshift-image-registry.svc:5000';
const ROUNDS = 20;

let sb: Sandbox;
let t: LoginEnv;
let file: string;
let others: Record<string, { auth: string }>;

beforeAll(async () => {
  sb = await startSandbox();
  t = await loginEnv(sb, 'login-concurrent');
  // The route host must be one the cluster names (the cluster token goes nowhere else): expose it first.
  const cfg = sb.store.get('imageregistry.operator.openshift.io/configs', undefined, 'cluster')!;
  (cfg.spec as any).defaultRoute = true;
  sb.store.update('imageregistry.operator.openshift.io/configs', cfg);
  await sb.waitFor((s) => ((s.get('config.openshift.io/images', undefined, 'cluster')?.status as any)?.externalRegistryHostnames ?? []).includes(sb.defaultRouteHost), 20_000);
  file = path.join(t.tmp, 'big-auth.json');
  // ~3 MB of other registries' entries, all of which must survive too.
  others = {};
  for (let i = 0; i < 30_000; i++) others[`mirror-${i}.registry.example.com`] = { auth: Buffer.from(`robot${i}:${'p'.repeat(40)}`).toString('base64') };
}, 60_000);

afterAll(async () => {
  await sb?.stop();
  t?.cleanup();
});

it(`${ROUNDS} rounds of two concurrent logins (route host, internal host) keep both entries every time`, async () => {
  const lost: string[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    fs.writeFileSync(file, JSON.stringify({ auths: others }));
    const [a, b] = await Promise.all([
      t.cli(['login', '--registry', sb.defaultRouteHost, '--skip-check', '--authfile', file]),
      t.cli(['login', '--internal', '--skip-check', '--authfile', file]),
    ]);
    expect(a.code, a.all).toBe(0);
    expect(b.code, b.all).toBe(0);
    const auths = JSON.parse(fs.readFileSync(file, 'utf8')).auths as Record<string, unknown>;
    for (const host of [sb.defaultRouteHost, INTERNAL]) if (!auths[host]) lost.push(`round ${round}: ${host}`);
    if (Object.keys(auths).length !== Object.keys(others).length + 2) lost.push(`round ${round}: ${Object.keys(auths).length} entries`);
    expect(fs.existsSync(`${file}.lock`)).toBe(false);
  }
  expect(lost).toEqual([]);
}, 240_000);
