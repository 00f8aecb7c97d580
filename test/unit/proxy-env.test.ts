// NO_PROXY / HTTPS_PROXY selection as Go's golang.org/x/net/http/httpproxy decides it (kubectl, oc, podman, skopeo).
import { describe, expect, it } from 'vitest';
import { bypassesProxy, proxyForUrl, proxySettings, redactProxy } from '../../src/net/proxy-env.js';

describe('bypassesProxy (NO_PROXY)', () => {
  it.each([
    // domains: "foo.com" matches it and its subdomains; ".foo.com" and "*.foo.com" subdomains only
    ['example.com', 'api.sandbox.example.com', 6443, true],
    ['example.com', 'example.com', 443, true],
    ['example.com', 'badexample.com', 443, false],
    ['.example.com', 'api.example.com', 443, true],
    ['.example.com', 'example.com', 443, false],
    ['*.example.com', 'api.example.com', 443, true],
    ['*.example.com', 'example.com', 443, false],
    ['API.Example.COM', 'api.example.com', 443, true],
    // ports
    ['api.example.com:6443', 'api.example.com', 6443, true],
    ['api.example.com:6443', 'api.example.com', 443, false],
    // IPs and CIDRs only match IP hosts; domains never match IPs
    ['10.0.0.0/8', '10.1.2.3', 443, true],
    ['10.0.0.0/8', '11.1.2.3', 443, false],
    ['10.0.0.0/8', 'ten.example.com', 443, false],
    ['192.168.1.5', '192.168.1.5', 443, true],
    ['192.168.1.5:8443', '192.168.1.5', 443, false],
    ['fd00::/8', 'fd00::1', 443, true],
    ['[fd00::1]:443', '[fd00::1]', 443, true],
    ['example.com', '93.184.216.34', 443, false],
    // everything, nothing, and the fixed loopback rule
    ['*', 'anything.example', 443, true],
    ['foo.com,*', 'anything.example', 443, true],
    ['', 'api.example.com', 443, false],
    ['', 'localhost', 443, true],
    ['', '127.0.0.1', 6443, true],
    ['', '::1', 6443, true],
    [' foo.com , api.example.com ', 'api.example.com', 443, true],
  ])('NO_PROXY=%j host %s:%d → direct %s', (np, host, port, want) => {
    expect(bypassesProxy(np, host, port)).toBe(want);
  });
});

describe('proxyForUrl', () => {
  it('https uses HTTPS_PROXY only (no fallback to HTTP_PROXY); upper case wins; no scheme means http', () => {
    expect(proxyForUrl('https://api.example.com:6443', { HTTP_PROXY: 'http://p:1' })).toBeUndefined();
    expect(proxyForUrl('http://r.example.com', { HTTP_PROXY: 'http://p:1' })?.host).toBe('p:1');
    expect(proxyForUrl('https://a.example', { HTTPS_PROXY: 'http://upper:1', https_proxy: 'http://lower:2' })?.host).toBe('upper:1');
    expect(proxyForUrl('https://a.example', { https_proxy: 'lower:2' })?.href).toBe('http://lower:2/');
    expect(proxyForUrl('https://a.example', { HTTPS_PROXY: 'http://p:1', NO_PROXY: 'a.example' })).toBeUndefined();
    expect(proxyForUrl('https://a.example', { HTTPS_PROXY: 'http://p:1', no_proxy: 'a.example' })).toBeUndefined();
  });

  it('an explicit proxy (kubeconfig proxy-url) wins over the environment and NO_PROXY', () => {
    expect(proxyForUrl('https://a.example', { HTTPS_PROXY: 'http://env:1', NO_PROXY: '*' }, 'http://kc:3')?.host).toBe('kc:3');
  });

  it('never shows credentials', () => {
    expect(redactProxy('http://user:s3cret@p.example:3128')).toBe('http://p.example:3128');
    expect(redactProxy(new URL('https://u:p@[::1]:8443'))).toBe('https://[::1]:8443');
    expect(proxySettings({ NO_PROXY: 'a', no_proxy: 'b' }).noProxy).toBe('a');
  });
});
