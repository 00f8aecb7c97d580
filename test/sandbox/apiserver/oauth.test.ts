import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, startKit } from './testkit.ts';
import type { Kit } from './testkit.ts';

let kit: Kit;
beforeAll(async () => {
  kit = await startKit();
});
afterAll(async () => {
  await kit.close();
});

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

function authorizePath(kit: Kit, params: Record<string, string>): string {
  const q = new URLSearchParams({ client_id: 'openshift-challenging-client', redirect_uri: `${kit.issuer}/oauth/token/implicit`, ...params });
  q.sort();
  return `/oauth/authorize?${q.toString()}`;
}

describe('oauth', () => {
  it('publishes the metadata document', async () => {
    const r = await call(kit, 'GET', '/.well-known/oauth-authorization-server');
    expect(r.json).toEqual({
      issuer: kit.issuer,
      authorization_endpoint: `${kit.issuer}/oauth/authorize`,
      token_endpoint: `${kit.issuer}/oauth/token`,
      scopes_supported: ['user:check-access', 'user:full', 'user:info', 'user:list-projects', 'user:list-scoped-projects'],
      response_types_supported: ['code', 'token'],
      grant_types_supported: ['authorization_code', 'implicit'],
      code_challenge_methods_supported: ['plain', 'S256'],
    });
  });

  it('runs the challenging-client code flow with PKCE S256 end to end', async () => {
    const verifier = randomBytes(96).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const path = authorizePath(kit, { response_type: 'code', code_challenge: challenge, code_challenge_method: 'S256' });

    const noCsrf = await call(kit, 'GET', path);
    expect(noCsrf.status).toBe(401);
    expect(noCsrf.headers['www-authenticate']).toBeUndefined();
    expect(noCsrf.headers.warning).toBe('199 Origin "A non-empty X-CSRF-Token header is required to receive basic-auth challenges"');

    const challenged = await call(kit, 'GET', path, { headers: { 'X-CSRF-Token': '1' } });
    expect(challenged.status).toBe(401);
    expect(challenged.headers['www-authenticate']).toBe('Basic realm="openshift"');

    const wrong = await call(kit, 'GET', path, { headers: { 'X-CSRF-Token': '1', Authorization: basic('developer', 'wrong') } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toBe('Basic realm="openshift"');

    const ok = await call(kit, 'GET', path, { headers: { 'X-CSRF-Token': '1', Authorization: basic('developer', 'dev-pass') } });
    expect(ok.status).toBe(302);
    const loc = new URL(String(ok.headers.location));
    expect(`${loc.origin}${loc.pathname}`).toBe(`${kit.issuer}/oauth/token/implicit`);
    expect(loc.searchParams.get('state')).toBe('');
    const code = loc.searchParams.get('code')!;
    expect(code).toMatch(/^sha256~/);

    const form = (v: string) => new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: `${kit.issuer}/oauth/token/implicit`, code_verifier: v }).toString();
    const headers = { Authorization: basic('openshift-challenging-client', ''), Accept: 'application/json' };
    const badVerifier = await call(kit, 'POST', '/oauth/token', { body: form('x'.repeat(64)), contentType: 'application/x-www-form-urlencoded', headers });
    expect(badVerifier.status).toBe(400);
    expect(badVerifier.json.error).toBe('invalid_grant');

    // Codes are single-use: the failed attempt consumed it; run authorize again.
    const again = await call(kit, 'GET', path, { headers: { 'X-CSRF-Token': '1', Authorization: basic('developer', 'dev-pass') } });
    const code2 = new URL(String(again.headers.location)).searchParams.get('code')!;
    const tok = await call(kit, 'POST', '/oauth/token', {
      body: new URLSearchParams({ grant_type: 'authorization_code', code: code2, redirect_uri: `${kit.issuer}/oauth/token/implicit`, code_verifier: verifier }).toString(),
      contentType: 'application/x-www-form-urlencoded',
      headers,
    });
    expect(tok.status).toBe(200);
    expect(tok.json).toMatchObject({ token_type: 'Bearer', expires_in: 86400, scope: 'user:full' });
    expect(tok.json.access_token).toMatch(/^sha256~[A-Za-z0-9_-]{43}$/);

    const ssr = await call(kit, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', { token: tok.json.access_token, body: {} });
    expect(ssr.json.status.userInfo).toMatchObject({ username: 'developer', groups: ['system:authenticated', 'system:authenticated:oauth'] });
    const me = await call(kit, 'GET', '/apis/user.openshift.io/v1/users/~', { token: tok.json.access_token });
    expect(me.json).toMatchObject({ kind: 'User', metadata: { name: 'developer' }, identities: ['htpasswd:developer'] });

    const replay = await call(kit, 'POST', '/oauth/token', {
      body: new URLSearchParams({ grant_type: 'authorization_code', code: code2, redirect_uri: `${kit.issuer}/oauth/token/implicit`, code_verifier: verifier }).toString(),
      contentType: 'application/x-www-form-urlencoded',
      headers,
    });
    expect(replay.json.error).toBe('invalid_grant');
  });

  it('supports plain PKCE and the implicit flow', async () => {
    const plain = await call(kit, 'GET', authorizePath(kit, { response_type: 'code', code_challenge: 'v'.repeat(50), code_challenge_method: 'plain', state: 's1' }), {
      headers: { 'X-CSRF-Token': '1', Authorization: basic('kubeadmin', 'admin-pass') },
    });
    const loc = new URL(String(plain.headers.location));
    expect(loc.searchParams.get('state')).toBe('s1');
    const tok = await call(kit, 'POST', '/oauth/token', {
      body: new URLSearchParams({ grant_type: 'authorization_code', code: loc.searchParams.get('code')!, redirect_uri: `${kit.issuer}/oauth/token/implicit`, code_verifier: 'v'.repeat(50), client_id: 'openshift-challenging-client' }).toString(),
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(tok.status).toBe(200);
    expect(kit.auth.lookup(tok.json.access_token)?.username).toBe('kube:admin');

    const implicit = await call(kit, 'GET', authorizePath(kit, { response_type: 'token' }), { headers: { 'X-CSRF-Token': '1', Authorization: basic('developer', 'dev-pass') } });
    expect(implicit.status).toBe(302);
    const frag = new URLSearchParams(new URL(String(implicit.headers.location)).hash.slice(1));
    expect(frag.get('token_type')).toBe('Bearer');
    expect(frag.get('expires_in')).toBe('86400');
    expect(frag.get('scope')).toBe('user:full');
    expect(kit.auth.lookup(frag.get('access_token')!)?.username).toBe('developer');

    const badClient = await call(kit, 'GET', authorizePath(kit, { response_type: 'code', client_id: 'evil' }), { headers: { 'X-CSRF-Token': '1' } });
    expect(badClient.status).toBe(400);
  });
});
