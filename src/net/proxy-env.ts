// Which proxy a connection takes, as Go clients decide it (kubectl/client-go, oc, podman, skopeo all use
// net/http.ProxyFromEnvironment = golang.org/x/net/http/httpproxy). One implementation for API and registry traffic.
//
// - HTTPS_PROXY/https_proxy for https URLs (no fallback to HTTP_PROXY), HTTP_PROXY/http_proxy for http URLs;
//   the upper-case name wins when both are set; a value without a scheme means http://.
// - "localhost" and loopback IPs never go through a proxy.
// - NO_PROXY/no_proxy: comma-separated; `*` disables proxying; an IP (optionally :port) or CIDR matches IP hosts;
//   a domain "example.com" matches it and its subdomains, ".example.com" / "*.example.com" subdomains only;
//   "host:port" matches that port only. Domain entries never match IP hosts.
import net from 'node:net';

export type Env = Record<string, string | undefined>;

export interface ProxySettings {
  httpProxy: string;
  httpsProxy: string;
  noProxy: string;
}

const first = (env: Env, ...names: string[]): string => {
  for (const n of names) {
    const v = env[n];
    if (v) return v;
  }
  return '';
};

/** The proxy variables of an environment, in Go's order of precedence. */
export function proxySettings(env: Env): ProxySettings {
  return {
    httpProxy: first(env, 'HTTP_PROXY', 'http_proxy'),
    httpsProxy: first(env, 'HTTPS_PROXY', 'https_proxy'),
    noProxy: first(env, 'NO_PROXY', 'no_proxy'),
  };
}

/** A proxy URL as Go parses it: "host:port" means http://host:port. Undefined when it is not a usable URL. */
export function parseProxyUrl(raw: string): URL | undefined {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  try {
    const u = new URL(withScheme);
    return u.host ? u : undefined;
  } catch {
    return undefined;
  }
}

/** scheme://host:port of a proxy URL: never its user name or password. */
export function redactProxy(u: URL | string): string {
  const url = typeof u === 'string' ? parseProxyUrl(u) : u;
  if (!url) return '(invalid proxy URL)';
  return `${url.protocol}//${url.host}`;
}

function stripBrackets(h: string): string {
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

function isLoopback(ip: string): boolean {
  if (net.isIPv4(ip)) return ip.startsWith('127.');
  const v6 = ip.toLowerCase();
  if (v6 === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(v6)) return true;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(v6);
  return Boolean(mapped && mapped[1]!.startsWith('127.'));
}

function cidrContains(cidr: string, ip: string): boolean | undefined {
  const [base, bitsText] = cidr.split('/');
  if (!base || bitsText === undefined || !/^\d+$/.test(bitsText)) return undefined;
  const family = net.isIPv4(base) ? 'ipv4' : net.isIPv6(base) ? 'ipv6' : undefined;
  if (!family) return undefined;
  const bits = Number(bitsText);
  if (bits > (family === 'ipv4' ? 32 : 128)) return undefined;
  const list = new net.BlockList();
  list.addSubnet(base, bits, family);
  const ipFamily = net.isIPv4(ip) ? 'ipv4' : 'ipv6';
  try {
    return list.check(ip, ipFamily);
  } catch {
    return false;
  }
}

function sameIp(a: string, b: string): boolean {
  if (net.isIPv4(a) && net.isIPv4(b)) return a === b;
  if (net.isIPv6(a) && net.isIPv6(b)) {
    const list = new net.BlockList();
    list.addAddress(a, 'ipv6');
    return list.check(b, 'ipv6');
  }
  return false;
}

/** Whether NO_PROXY (plus Go's fixed localhost/loopback rule) says host:port is reached directly. */
export function bypassesProxy(noProxy: string, host: string, port: number): boolean {
  const h = stripBrackets(host.trim().toLowerCase()).replace(/\.$/, '');
  if (h === 'localhost') return true;
  const hostIsIp = net.isIP(h) !== 0;
  if (hostIsIp && isLoopback(h)) return true;
  for (const raw of noProxy.split(',')) {
    const p = raw.trim().toLowerCase();
    if (!p) continue;
    if (p === '*') return true;
    if (p.includes('/')) {
      if (hostIsIp && cidrContains(p, h)) return true;
      continue;
    }
    // host:port, [v6]:port, or a bare host / IPv6 address
    let phost = p;
    let pport = '';
    const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(p);
    if (bracketed) {
      phost = bracketed[1]!;
      pport = bracketed[2] ?? '';
    } else if (!net.isIPv6(p)) {
      const m = /^(.*):(\d+)$/.exec(p);
      if (m) {
        phost = m[1]!;
        pport = m[2]!;
      }
    }
    if (!phost) continue;
    if (pport && Number(pport) !== port) continue;
    if (net.isIP(phost)) {
      if (hostIsIp && sameIp(phost, h)) return true;
      continue;
    }
    if (hostIsIp) continue;
    if (phost.startsWith('*.')) phost = phost.slice(1);
    const matchHost = !phost.startsWith('.');
    const suffix = matchHost ? `.${phost}` : phost;
    if (h.endsWith(suffix) || (matchHost && h === phost)) return true;
  }
  return false;
}

/**
 * The proxy for a request to url, or undefined for a direct connection. `explicit` (a kubeconfig's proxy-url)
 * wins over the environment and ignores NO_PROXY, as client-go does.
 */
export function proxyForUrl(url: string | URL, env: Env, explicit?: string): URL | undefined {
  if (explicit) return parseProxyUrl(explicit);
  let u: URL;
  try {
    u = new URL(String(url));
  } catch {
    return undefined;
  }
  const s = proxySettings(env);
  const raw = u.protocol === 'https:' ? s.httpsProxy : u.protocol === 'http:' ? s.httpProxy : '';
  if (!raw) return undefined;
  const port = Number(u.port) || (u.protocol === 'https:' ? 443 : 80);
  if (bypassesProxy(s.noProxy, u.hostname, port)) return undefined;
  return parseProxyUrl(raw);
}
