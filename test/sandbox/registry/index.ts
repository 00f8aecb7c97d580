// startRegistry(): the real docker-registry behind an OpenShift-style front (plain HTTP on loopback;
// the router terminates TLS in front of it).
import http from 'node:http';
import type net from 'node:net';
import { ApiClient } from './apiclient.ts';
import { RegistryAuth } from './auth.ts';
import { createFront } from './front.ts';
import { createMaintenance, type EnvVar } from './maintenance.ts';
import { ImageStreams } from './imagestreams.ts';
import { GO_VERSION, logLine } from './logfmt.ts';
import { createMetrics, type RegistryMetrics } from './metrics.ts';
import { startDistribution } from './process.ts';
import type { StorageFault } from './storage-driver.ts';

export type { RegistryMetrics } from './metrics.ts';
export { INTERNAL_REGISTRY } from './imagestreams.ts';

export interface RegistryOptions {
  /** https://127.0.0.1:PORT of the API server */
  apiServerUrl: string;
  apiCaPem: string;
  /** Storage root (docker-registry's filesystem driver uses dataDir/storage). */
  dataDir: string;
  /** Token of the registry's own service account (ImageStreamMappings, image stream reads, anonymous access reviews). */
  registryToken: string;
  /** One line per event in the registry's logrus text format. */
  log?: (line: string) => void;
  /** How long token and access review results are cached; default 3000 ms. */
  authCacheMs?: number;
  /** Shared fault settings; `registryStorage` makes storage writes fail (see storage-driver.ts). */
  faults?: { registryStorage?: StorageFault };
  tokenRealmHost?: never;
  /** Start docker-registry at the front's first request instead of now (a fleet of sandboxes whose registries
   *  mostly stay unused); the front's listener is up either way. */
  lazy?: boolean;
  /** The registry container env of the pod that serves the next write (the caller picks among the ready pods);
   *  a pod with REGISTRY_STORAGE_MAINTENANCE_READONLY refuses it as distribution does (maintenance.ts). */
  servingPodEnv?: () => EnvVar[] | undefined;
}

export interface RegistryHandle {
  /** http://127.0.0.1:PORT of the front */
  backendUrl: string;
  /** The docker-registry process' own URL (no auth; for diagnostics only); '' while a lazy registry has not started. */
  distributionUrl: string;
  metrics: RegistryMetrics;
  close(): Promise<void>;
}

export async function startRegistry(opts: RegistryOptions): Promise<RegistryHandle> {
  const log = opts.log ?? (() => {});
  const api = new ApiClient(opts.apiServerUrl, opts.apiCaPem);
  const metrics = createMetrics();
  let distributionUrl = '';
  const maintenance = createMaintenance({
    dataDir: opts.dataDir,
    onLine: (l) => {
      if (/level=(fatal|panic)/.test(l)) log(l);
    },
  });
  const open = async () => {
    const dist = await startDistribution({
      dataDir: opts.dataDir,
      // docker-registry's own request lines would duplicate the front's; keep only its real problems.
      onLine: (l) => {
        if (/level=(fatal|panic)/.test(l) || (/level=error/.test(l) && !/response completed with error/.test(l))) log(l);
      },
    });
    const front = createFront({
      upstream: dist.url,
      auth: new RegistryAuth(api, opts.registryToken, opts.authCacheMs ?? 3000),
      streams: new ImageStreams(api, opts.registryToken),
      metrics,
      log,
      faults: opts.faults,
      readOnlyUpstream: () => maintenance.readOnlyUpstream(opts.servingPodEnv?.()),
    });
    distributionUrl = dist.url;
    return { dist, front };
  };
  let opened: ReturnType<typeof open> | undefined;
  // A failed start is tried again by the next request.
  const backend = () => (opened ??= open().catch((e) => ((opened = undefined), Promise.reject(e))));
  if (!opts.lazy) {
    try {
      await backend();
    } catch (e) {
      api.close();
      throw e;
    }
  }
  const handler: http.RequestListener = (req, res) => {
    backend().then(
      ({ front }) => front.handler(req, res),
      () => {
        res.statusCode = 503;
        res.end();
      },
    );
  };
  const server = http.createServer({ keepAlive: true, requestTimeout: 0 }, handler);
  const sockets = new Set<net.Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
  } catch (e) {
    if (opened) await opened.then(({ dist }) => dist.stop(), () => undefined);
    api.close();
    throw e;
  }
  const port = (server.address() as net.AddressInfo).port;
  log(logLine('info', 'start registry', { distribution_version: 'v3.0.0+unknown', 'go.version': GO_VERSION, openshift_version: '4.17.0-202601190000.p0.gd4cce00.assembly.stream.el9-d4cce00' }));
  log(logLine('info', 'listening on :5000, tls', { 'go.version': GO_VERSION }));

  let closed: Promise<void> | undefined;
  return {
    backendUrl: `http://127.0.0.1:${port}`,
    get distributionUrl() {
      return distributionUrl;
    },
    metrics,
    close() {
      closed ??= (async () => {
        const done = new Promise<void>((r) => server.close(() => r()));
        for (const s of sockets) s.destroy();
        await done;
        const b = await opened?.catch(() => undefined);
        b?.front.close();
        api.close();
        await maintenance.close();
        await b?.dist.stop();
      })();
      return closed;
    },
  };
}
