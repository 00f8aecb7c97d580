// The OAuth server's challenging-client flows (what `oc login -u -p` uses): metadata, authorize with Basic
// challenge (X-CSRF-Token required), code flow with PKCE, token exchange, implicit flow.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { KubeObject } from '../types.ts';
import { newToken } from './auth.ts';
import { sendJson } from './context.ts';
import type { RequestCtx } from './context.ts';

const CLIENT_ID = 'openshift-challenging-client';
const CODE_TTL_MS = 5 * 60 * 1000;
const TOKEN_TTL_S = 86400;

interface CodeRec {
  username: string;
  redirectUri: string;
  challenge?: string;
  method?: string;
  expires: number;
}

export function oauthMetadata(issuer: string) {
  return {
    issuer,
    authorization_endpoint: `${issuer}/oauth/authorize`,
    token_endpoint: `${issuer}/oauth/token`,
    scopes_supported: ['user:check-access', 'user:full', 'user:info', 'user:list-projects', 'user:list-scoped-projects'],
    response_types_supported: ['code', 'token'],
    grant_types_supported: ['authorization_code', 'implicit'],
    code_challenge_methods_supported: ['plain', 'S256'],
  };
}

function parseBasic(h: string | undefined): { user: string; pass: string } | undefined {
  const m = h?.match(/^Basic\s+(.+)$/i);
  if (!m) return undefined;
  const dec = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = dec.indexOf(':');
  if (i < 0) return undefined;
  return { user: dec.slice(0, i), pass: dec.slice(i + 1) };
}

function safeEq(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

export function createOAuthHandler() {
  const codes = new Map<string, CodeRec>();

  function oauthError(ctx: RequestCtx, code: number, error: string, description: string) {
    sendJson(ctx.res, code, { error, error_description: description });
  }

  /** OpenShift records who logged in: User + Identity objects of the htpasswd provider. */
  function recordUser(ctx: RequestCtx, username: string) {
    const { store } = ctx.opts;
    try {
      const idName = `htpasswd:${username}`;
      if (store.type('user.openshift.io/users') && !store.get('user.openshift.io/users', undefined, username)) {
        store.create('user.openshift.io/users', { metadata: { name: username }, identities: [idName], groups: null } as KubeObject);
      }
      if (store.type('user.openshift.io/identities') && !store.get('user.openshift.io/identities', undefined, idName)) {
        store.create('user.openshift.io/identities', { metadata: { name: idName }, providerName: 'htpasswd', providerUserName: username, user: { name: username } } as KubeObject);
      }
    } catch {
      // invalid object names (odd usernames) must not break login
    }
  }

  function authorize(ctx: RequestCtx): void {
    const { req, res, url } = ctx;
    const issuer = ctx.opts.oauth.issuer;
    const q = url.searchParams;
    const clientId = q.get('client_id');
    const responseType = q.get('response_type') ?? 'code';
    const defaultRedirect = `${issuer}/oauth/token/implicit`;
    const redirectUri = q.get('redirect_uri') || defaultRedirect;
    if (clientId !== CLIENT_ID) return oauthError(ctx, 400, 'unauthorized_client', 'The client is not authorized to request a token using this method.');
    if (redirectUri !== defaultRedirect) return oauthError(ctx, 400, 'invalid_request', 'The request is missing a required parameter, includes an invalid parameter value, includes a parameter more than once, or is otherwise malformed.');
    if (responseType !== 'code' && responseType !== 'token') return oauthError(ctx, 400, 'unsupported_response_type', 'The authorization server does not support obtaining an authorization code using this method.');
    const method = q.get('code_challenge_method') ?? (q.get('code_challenge') ? 'plain' : undefined);
    if (method && method !== 'S256' && method !== 'plain') {
      res.writeHead(302, { Location: `${redirectUri}?error=invalid_request&error_description=${encodeURIComponent('Transform algorithm not supported.')}&state=${encodeURIComponent(q.get('state') ?? '')}` });
      return void res.end();
    }
    const creds = parseBasic(req.headers.authorization);
    // `kubeadmin` logs in as the special user kube:admin (no User object is recorded for it).
    const account = creds?.user === 'kubeadmin' && !ctx.opts.auth.hasUser('kubeadmin') ? 'kube:admin' : creds?.user;
    const ok = creds && account && !creds.user.includes(':') && ctx.opts.auth.checkPassword(account, creds.pass);
    if (!ok) {
      const csrf = req.headers['x-csrf-token'];
      if (!csrf || (Array.isArray(csrf) ? !csrf.join('') : !csrf.trim())) {
        res.writeHead(401, { 'Content-Type': 'text/plain', Warning: '199 Origin "A non-empty X-CSRF-Token header is required to receive basic-auth challenges"' });
        return void res.end('Unauthorized\n');
      }
      res.writeHead(401, { 'Content-Type': 'text/plain', 'WWW-Authenticate': 'Basic realm="openshift"', 'Cache-Control': 'no-cache, no-store, max-age=0, must-revalidate' });
      return void res.end('Unauthorized\n');
    }
    const username = account!;
    if (username !== 'kube:admin') recordUser(ctx, username);
    const state = q.get('state') ?? '';
    if (responseType === 'token') {
      const token = ctx.opts.auth.issueToken(username, { ttlSeconds: TOKEN_TTL_S });
      const frag = new URLSearchParams({ access_token: token, expires_in: String(TOKEN_TTL_S), scope: 'user:full', token_type: 'Bearer' });
      if (state) frag.set('state', state);
      res.writeHead(302, { Location: `${redirectUri}#${frag.toString()}` });
      return void res.end();
    }
    const code = newToken();
    const rec: CodeRec = { username, redirectUri, expires: Date.now() + CODE_TTL_MS };
    if (q.get('code_challenge')) {
      rec.challenge = q.get('code_challenge')!;
      rec.method = method ?? 'plain';
    }
    codes.set(code, rec);
    res.writeHead(302, { Location: `${redirectUri}?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}` });
    res.end();
  }

  async function token(ctx: RequestCtx): Promise<void> {
    const { req } = ctx;
    if (req.method !== 'POST') return oauthError(ctx, 405, 'invalid_request', 'The request method is not supported.');
    const form = new URLSearchParams((await ctx.body()).toString('utf8'));
    const basic = parseBasic(req.headers.authorization);
    const clientId = basic?.user ?? form.get('client_id');
    if (clientId !== CLIENT_ID || (basic && basic.pass !== '') || (form.get('client_secret') ?? '') !== '') {
      return oauthError(ctx, 401, 'unauthorized_client', 'The client is not authorized to request a token using this method.');
    }
    if (form.get('grant_type') !== 'authorization_code') return oauthError(ctx, 400, 'unsupported_grant_type', 'The authorization grant type is not supported by the authorization server.');
    const code = form.get('code') ?? '';
    const rec = codes.get(code);
    codes.delete(code);
    const invalidGrant = () => oauthError(ctx, 400, 'invalid_grant', 'The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client.');
    if (!rec || rec.expires < Date.now()) return invalidGrant();
    if ((form.get('redirect_uri') ?? '') !== rec.redirectUri) return invalidGrant();
    if (rec.challenge) {
      const verifier = form.get('code_verifier') ?? '';
      if (!verifier) return oauthError(ctx, 400, 'invalid_request', 'code_verifier is required');
      const computed = rec.method === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
      if (!safeEq(computed, rec.challenge)) return oauthError(ctx, 400, 'invalid_grant', 'code_verifier failed comparison with code_challenge');
    }
    const access = ctx.opts.auth.issueToken(rec.username, { ttlSeconds: TOKEN_TTL_S });
    sendJson(ctx.res, 200, { access_token: access, token_type: 'Bearer', expires_in: TOKEN_TTL_S, scope: 'user:full' }, { 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  }

  /** Handles /.well-known/oauth-authorization-server and /oauth/*; false when the path is not OAuth. */
  return async function handle(ctx: RequestCtx): Promise<boolean> {
    const p = ctx.url.pathname;
    if (p === '/.well-known/oauth-authorization-server') {
      sendJson(ctx.res, 200, oauthMetadata(ctx.opts.oauth.issuer));
      return true;
    }
    if (p === '/oauth/authorize') {
      authorize(ctx);
      return true;
    }
    if (p === '/oauth/token') {
      await token(ctx);
      return true;
    }
    if (p === '/oauth/token/implicit' || p === '/oauth/token/display' || p === '/oauth/token/request') {
      ctx.res.writeHead(200, { 'Content-Type': 'text/html; charset=UTF-8' });
      ctx.res.end('<!DOCTYPE html><html><body><p>No token was requested. This endpoint is the redirect target of the challenging client.</p></body></html>\n');
      return true;
    }
    return false;
  };
}
