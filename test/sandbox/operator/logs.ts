// Log lines in the formats the real components write (logrus for the registry, klog for the operator).
import type { Store } from '../types.ts';
import { RELEASE_VERSION } from './util.ts';

const GO_VERSION = 'go1.22.9 (Red Hat 1.22.9-2.el9_5) X:strictfipsruntime';

function logrusTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** `time="…" level=info msg="…" k=v …` (logrus text formatter as used by openshift/image-registry). */
export function registryLine(msg: string, fields: Record<string, string> = {}, level = 'info', at = new Date()): string {
  const q = (v: string) => (/^[A-Za-z0-9_.:/+-]+$/.test(v) ? v : JSON.stringify(v));
  const extra = Object.entries({ 'go.version': GO_VERSION, ...fields }).map(([k, v]) => `${k}=${q(v)}`);
  return [`time="${logrusTime(at)}"`, `level=${level}`, `msg=${JSON.stringify(msg)}`, ...extra].join(' ');
}

export function registryStartupLines(at = new Date(), release = RELEASE_VERSION): string[] {
  const openshiftVersion = `${release}-202501080105.p0.g1f8c5f4.assembly.stream.el9-1f8c5f4`;
  return [
    registryLine('start registry', { distribution_version: 'v3.0.0+unknown', openshift_version: openshiftVersion }, 'info', at),
    registryLine('caching project quota objects with TTL 1m0s', {}, 'info', at),
    registryLine('redis not configured', {}, 'info', at),
    registryLine('Starting upload purge in 20m0s', {}, 'info', at),
    registryLine('using openshift blob descriptor cache', {}, 'info', at),
    registryLine('Using OpenShift Auth handler', {}, 'info', at),
    registryLine('listening on :5000, tls', {}, 'info', at),
  ];
}

/** klog header: `I1124 21:03:00.123456       1 file.go:123] msg`. */
export function klogLine(msg: string, file = 'controller.go:338', severity = 'I', at = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const ts = `${p(at.getUTCMonth() + 1)}${p(at.getUTCDate())} ${p(at.getUTCHours())}:${p(at.getUTCMinutes())}:${p(at.getUTCSeconds())}.${p(at.getUTCMilliseconds() * 1000, 6)}`;
  return `${severity}${ts}       1 ${file}] ${msg}`;
}

export function operatorStartupLines(at = new Date(), release = RELEASE_VERSION): string[] {
  return [
    klogLine(`Cluster Image Registry Operator Version: ${release}`, 'main.go:59', 'I', at),
    klogLine(`Go Version: go1.22.9 (Red Hat 1.22.9-2.el9_5) X:strictfipsruntime`, 'main.go:60', 'I', at),
    klogLine('Go OS/Arch: linux/amd64', 'main.go:61', 'I', at),
    klogLine('Starting "openshift-image-registry" operator', 'starter.go:87', 'I', at),
    klogLine('Starting Controller', 'controller.go:504', 'I', at),
    klogLine('Starting ImageConfigController', 'imageconfig.go:307', 'I', at),
    klogLine('Starting NodeCADaemonController', 'nodecadaemon.go:218', 'I', at),
    klogLine('Starting ImageRegistryCertificatesController', 'imageregistrycertificates.go:213', 'I', at),
  ];
}

export function nodeCaLines(at = new Date()): string[] {
  return [klogLine('node-ca-sync: watching /tmp/serviceca', 'nodeca.go:117', 'I', at)];
}

/** Lines before the operator pod is running are kept and written once it starts (the pod's log starts then). */
export class OperatorLog {
  private pending: string[] = [];
  constructor(private readonly store: Store, private readonly podFinder: () => string | undefined) {}

  write(msg: string, file?: string, severity?: string): void {
    const line = klogLine(msg, file, severity);
    const pod = this.podFinder();
    if (!pod) {
      this.pending.push(line);
      if (this.pending.length > 200) this.pending.shift();
      return;
    }
    this.flush(pod);
    this.store.logs.append('openshift-image-registry', pod, 'cluster-image-registry-operator', line);
  }

  flush(pod: string): void {
    for (const l of this.pending) this.store.logs.append('openshift-image-registry', pod, 'cluster-image-registry-operator', l);
    this.pending = [];
  }
}
