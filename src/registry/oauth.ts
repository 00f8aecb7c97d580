// OpenShift's OAuth "challenging client" flow, as `oc login -u U -p P` runs it (behaviours b.2):
// authorize (PKCE S256, X-CSRF-Token) → 401 Basic challenge → Basic U:P → 302 …?code= → POST token endpoint.
import { createHash, randomBytes } from 'node:crypto';
import type { HttpClient } from './http.js';
import { basicHeader } from './auth.js';
import { AuthError, RegctlError } from '../errors.js';

export interface OAuthEndpoints {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  code_challenge_methods_supported?: string[];
}

export interface OAuthToken {
  token: string;
  expiresIn?: number;
}

export const CHALLENGING_CLIENT = 'openshift-challenging-client';
const MAX_REDIRECTS = 10;

const b64url = (b: Buffer) => b.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = b64url(randomBytes(96));
  return { verifier, challenge: b64url(createHash('sha256').update(verifier).digest()) };
}

const INVALID_LOGIN_HINT = 'check the user name and password (the password is read from stdin: `printf %s "$PASSWORD" | regctl login -u USER --password-stdin`)';

export async function requestOAuthToken(http: HttpClient, ep: OAuthEndpoints, username: string, password: string, signal?: AbortSignal): Promise<OAuthToken> {
  const redirectUri = `${ep.issuer.replace(/\/+$/, '')}/oauth/token/implicit`;
  const usePkce = (ep.code_challenge_methods_supported ?? []).includes('S256');
  const pkce = usePkce ? pkcePair() : undefined;
  const params: Record<string, string> = { client_id: CHALLENGING_CLIENT, redirect_uri: redirectUri, response_type: 'code' };
  if (pkce) Object.assign(params, { code_challenge: pkce.challenge, code_challenge_method: 'S256' });
  const authorize = new URL(ep.authorization_endpoint);
  for (const k of Object.keys(params).sort()) authorize.searchParams.set(k, params[k]!);

  let url = authorize.toString();
  let authorization: string | undefined;
  const visited = new Set<string>();
  let code: string | undefined;
  for (let i = 0; i < MAX_REDIRECTS && !code; i++) {
    const res = await http.request({ url, headers: { 'x-csrf-token': '1', authorization }, signal });
    const text = await res.text();
    if (res.status === 401) {
      const challenge = res.headerValues('www-authenticate').find((h) => /^basic\b/i.test(h));
      if (!challenge) {
        throw new AuthError('the OAuth server did not offer a password challenge', {
          hint: 'this cluster may use a browser-only identity provider; use a token: `oc login --web` then `regctl login`, or --service-account SA',
        });
      }
      if (authorization) throw new AuthError(`login failed: the OAuth server rejected the user name or password for "${username}"`, { hint: INVALID_LOGIN_HINT });
      authorization = basicHeader(username, password);
      continue;
    }
    if (res.status >= 300 && res.status < 400 && res.headers.location) {
      const loc = new URL(res.headers.location, url);
      const err = loc.searchParams.get('error');
      if (err) {
        const desc = loc.searchParams.get('error_description');
        throw new AuthError(`login failed: ${err}${desc ? ` ${desc}` : ''}`, { hint: err === 'access_denied' ? INVALID_LOGIN_HINT : 'check the OAuth server configuration' });
      }
      code = loc.searchParams.get('code') ?? undefined;
      if (code) break;
      if (visited.has(loc.toString())) throw new RegctlError('the OAuth server redirected in a loop', { hint: 'run again with -v to see the requests' });
      visited.add(loc.toString());
      url = loc.toString();
      continue;
    }
    if (res.status === 403) throw new AuthError(`login failed: the OAuth server refused "${username}" (403)`, { hint: INVALID_LOGIN_HINT });
    throw new RegctlError(`unexpected answer from the OAuth server: ${res.status}${text ? ` ${text.trim().split('\n')[0]!.slice(0, 120)}` : ''}`, {
      hint: 'run again with -v to see the requests',
    });
  }
  if (!code) throw new RegctlError('the OAuth server did not return an authorization code', { hint: 'run again with -v to see the requests' });

  const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri });
  if (pkce) body.set('code_verifier', pkce.verifier);
  const res = await http.request({
    method: 'POST',
    url: ep.token_endpoint,
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      authorization: basicHeader(CHALLENGING_CLIENT, ''),
    },
    body: body.toString(),
    signal,
  });
  const text = await res.text();
  if (res.status !== 200) {
    let reason = '';
    try {
      const j = JSON.parse(text) as { error?: string; error_description?: string };
      reason = [j.error, j.error_description].filter(Boolean).join(': ');
    } catch {
      /* not JSON */
    }
    throw new AuthError(`the OAuth token exchange failed (${res.status}${reason ? `: ${reason}` : ''})`, { hint: 'try again; run with -v to see the requests' });
  }
  let j: { access_token?: string; token_type?: string; expires_in?: number };
  try {
    j = JSON.parse(text);
  } catch {
    throw new RegctlError('the OAuth token endpoint did not answer JSON');
  }
  if (!j.access_token || !j.token_type) throw new RegctlError('the OAuth token endpoint returned no access token (invalid parameters received)');
  return { token: j.access_token, expiresIn: j.expires_in };
}
