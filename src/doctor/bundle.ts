// `regctl status --bundle FILE.tar.gz`: a support bundle — the operator config and the registry's objects
// (secrets redacted), conditions, events, pod log tails, routes, image.config, status and the doctor report —
// as a gzip'd tar written atomically with mode 0600.
import fs from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import yaml from 'js-yaml';
import type { Context } from '../context.js';
import { VERSION } from '../version.js';
import { toRegctlError, UsageError } from '../errors.js';
import { createIO } from '../output/io.js';
import type { RegistryStatus } from '../cluster/status.js';
import { tar, type TarEntry } from './tar.js';
import { redactObject, Scrubber, withItemKind } from './redact.js';
import { renderReport } from './render.js';
import { runDoctor } from './run.js';

export const LOG_TAIL_LINES = 500;

export interface BundleResult {
  file: string;
  files: string[];
  /** collectStatus's answer; undefined when the cluster could not be read at all. */
  status?: RegistryStatus;
  statusError?: unknown;
}

/** Checks the target before anything is read: a file name in an existing, writable directory. */
export function validateBundlePath(file: string): string {
  const abs = path.resolve(file);
  if (!/\.(tar\.gz|tgz)$/.test(abs)) throw new UsageError(`--bundle ${file}: the bundle is a gzip'd tar`, 'name it FILE.tar.gz (or FILE.tgz)');
  let st: fs.Stats;
  try {
    st = fs.statSync(path.dirname(abs));
  } catch {
    throw new UsageError(`--bundle ${file}: directory ${path.dirname(abs)} does not exist`, 'create it first, or write the bundle elsewhere');
  }
  if (!st.isDirectory()) throw new UsageError(`--bundle ${file}: ${path.dirname(abs)} is not a directory`, 'give a path in an existing directory');
  if (fs.existsSync(abs) && fs.statSync(abs).isDirectory()) throw new UsageError(`--bundle ${file} is a directory`, 'give a file name, e.g. registry-bundle.tar.gz');
  return abs;
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z').replace('T', '-');
}

const KIND_OF_FILE: Record<string, string> = {
  'deployments.yaml': 'Deployment',
  'daemonsets.yaml': 'DaemonSet',
  'pods.yaml': 'Pod',
  'services.yaml': 'Service',
  'routes.yaml': 'Route',
  'persistentvolumeclaims.yaml': 'PersistentVolumeClaim',
  'configmaps.yaml': 'ConfigMap',
  'secrets.yaml': 'Secret',
  'events.yaml': 'Event',
  'storageclasses.yaml': 'StorageClass',
};

/** A plain IO for the text copy of the doctor report (no colour, no symbols). */
function plainIO() {
  const sink = { write: () => true };
  return createIO({ stdout: sink, stderr: sink, stdin: { isTTY: false } as never, env: {}, noColor: true });
}

export async function writeBundle(ctx: Context, file: string, o: { namespace?: string } = {}): Promise<BundleResult> {
  const target = validateBundlePath(file);
  const started = ctx.now();
  const root = `regctl-bundle-${stamp(started)}`;
  const mtime = Math.floor(started.getTime() / 1000);
  const texts: Array<[string, string]> = [];
  const errors: Record<string, string> = {};
  const put = (name: string, text: string) => texts.push([name, text]);
  const dump = (v: unknown) => yaml.dump(v, { noRefs: true, lineWidth: -1, sortKeys: false });
  const scrubber = new Scrubber();

  let status: RegistryStatus | undefined;
  let statusError: unknown;
  try {
    const cluster = await ctx.cluster(o.namespace);
    const reads = await import('../cluster/doctor-reads.js');
    const { collectStatus } = await import('../cluster/status.js');
    const [sections, secretValues, token, st] = await Promise.all([
      reads.readBundleObjects(cluster),
      reads.secretValuesToScrub(cluster),
      cluster.bearerToken().catch(() => undefined),
      collectStatus(cluster).catch((e) => {
        statusError = e;
        return undefined;
      }),
    ]);
    status = st;
    scrubber.add(secretValues);
    scrubber.add([token, ctx.globals.token].filter((t): t is string => Boolean(t)).map((value) => ({ key: 'token', value })));
    if (status) put('status.json', JSON.stringify(status, null, 2) + '\n');
    else errors['status.json'] = toRegctlError(statusError).message;
    let pods: any[] = [];
    for (const s of sections) {
      if (s.error !== undefined) {
        errors[s.file] = s.error;
        continue;
      }
      const kind = KIND_OF_FILE[path.basename(s.file)];
      const value = Array.isArray(s.value) && kind ? withItemKind(s.value, kind) : s.value;
      if (s.file.endsWith('/pods.yaml')) pods = s.value as any[];
      put(s.file, dump(redactObject(value)));
    }
    const ac = new AbortController();
    const stop = () => ac.abort();
    ctx.signal.addEventListener('abort', stop);
    try {
      await Promise.all(
        reads.bundleLogPods(pods).map(async ({ pod, container }) => {
          const name = `openshift-image-registry/logs/${pod}/${container}.log`;
          try {
            put(name, await reads.logTail(cluster, pod, container, LOG_TAIL_LINES, ac.signal));
          } catch (e) {
            errors[name] = toRegctlError(e).message;
          }
        }),
      );
    } finally {
      ctx.signal.removeEventListener('abort', stop);
    }
  } catch (e) {
    if (ctx.signal.aborted) throw e;
    statusError = e;
    errors['cluster'] = toRegctlError(e).message;
  }

  const report = await runDoctor(ctx, { namespace: o.namespace });
  put('doctor.json', JSON.stringify(report, null, 2) + '\n');
  put('doctor.txt', renderReport(plainIO(), report, true));
  const manifest = {
    apiVersion: 'regctl.openshift.io/v1',
    kind: 'SupportBundle',
    createdAt: started.toISOString(),
    regctlVersion: VERSION,
    server: report.server,
    user: report.user,
    logTailLines: LOG_TAIL_LINES,
    redaction: 'Secret values, spec.httpSecret, route private keys, secret-looking env values, last-applied annotations, tokens and private keys are replaced by REDACTED',
    files: [...texts.map(([n]) => n), 'manifest.json'].sort(),
    errors,
  };
  put('manifest.json', JSON.stringify(manifest, null, 2) + '\n');

  const entries: TarEntry[] = [{ name: root, type: 'dir', mtime }];
  const dirs = new Set<string>();
  for (const [name] of texts.sort((a, b) => a[0].localeCompare(b[0]))) {
    const parts = name.split('/').slice(0, -1);
    for (let i = 1; i <= parts.length; i++) {
      const d = parts.slice(0, i).join('/');
      if (!dirs.has(d)) {
        dirs.add(d);
        entries.push({ name: `${root}/${d}`, type: 'dir', mtime });
      }
    }
  }
  for (const [name, text] of texts) entries.push({ name: `${root}/${name}`, data: scrubber.scrub(text), mode: 0o600, mtime });
  const gz = gzipSync(tar(entries));
  const tmp = `${target}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(tmp, gz, { mode: 0o600 });
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  return { file: target, files: manifest.files, status, statusError };
}
