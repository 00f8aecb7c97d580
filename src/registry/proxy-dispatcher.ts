// An undici dispatcher that picks direct or proxied per origin with src/net/proxy-env.ts (Go's rules, as podman and
// skopeo apply them), instead of undici's EnvHttpProxyAgent, whose NO_PROXY rules differ (no CIDR, no loopback
// exemption, "example.com" not matching its subdomains, HTTP_PROXY used for https).
import { Agent, Dispatcher, ProxyAgent } from 'undici';
import { proxyForUrl, type ProxySettings } from '../net/proxy-env.js';

type AgentOptions = ConstructorParameters<typeof Agent>[0];

export class GoProxyDispatcher extends Dispatcher {
  private readonly direct: Agent;
  private readonly proxies = new Map<string, ProxyAgent>();
  private readonly env: Record<string, string>;

  constructor(
    settings: ProxySettings,
    private readonly agentOpts: AgentOptions & { requestTls?: unknown },
  ) {
    super();
    const { requestTls: _ignored, ...direct } = agentOpts;
    this.direct = new Agent(direct as AgentOptions);
    this.env = { HTTP_PROXY: settings.httpProxy, HTTPS_PROXY: settings.httpsProxy, NO_PROXY: settings.noProxy };
  }

  private via(origin: string): Dispatcher {
    const proxy = proxyForUrl(origin, this.env);
    if (!proxy) return this.direct;
    const key = proxy.href;
    let p = this.proxies.get(key);
    if (!p) {
      p = new ProxyAgent({ ...(this.agentOpts as object), uri: proxy.href } as ConstructorParameters<typeof ProxyAgent>[0]);
      this.proxies.set(key, p);
    }
    return p;
  }

  override dispatch(opts: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    return this.via(String(opts.origin)).dispatch(opts, handler);
  }

  override close(): Promise<void>;
  override close(callback: () => void): void;
  override close(callback?: () => void): Promise<void> | void {
    const done = Promise.all([this.direct.close(), ...[...this.proxies.values()].map((p) => p.close())]).then(() => undefined);
    if (callback) {
      void done.then(callback, callback);
      return;
    }
    return done;
  }

  override destroy(): Promise<void>;
  override destroy(err: Error | null): Promise<void>;
  override destroy(callback: () => void): void;
  override destroy(err: Error | null, callback: () => void): void;
  override destroy(a?: Error | null | (() => void), b?: () => void): Promise<void> | void {
    const err = typeof a === 'function' ? null : (a ?? null);
    const cb = typeof a === 'function' ? a : b;
    const done = Promise.all([this.direct.destroy(err), ...[...this.proxies.values()].map((p) => p.destroy(err))]).then(() => undefined);
    if (cb) {
      void done.then(cb, cb);
      return;
    }
    return done;
  }
}
