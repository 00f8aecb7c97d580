// The registry image's hard-prune entry point, `/usr/bin/dockerregistry -prune=check|delete`
// (openshift/image-registry pkg/cmd/dockerregistry/prune.go ExecutePruner; dockerregistry.go reads the -prune flag),
// as `oc exec` reaches it in a registry pod. The sandbox has no OpenShift registry binary: the blob sweep is Debian's
// real `docker-registry garbage-collect` (distribution 2.8.2) over the sandbox registry's storage, and the summary
// is printed in ExecutePruner's words ("Deleted N blobs" / "Freed up X of disk space", sizes by go-units BytesSize).
import { execFile } from 'node:child_process';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { DOCKER_REGISTRY_BIN } from './process.ts';

const exec = promisify(execFile);

export interface ExecOutput {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** go-units BytesSize: CustomSize("%.4g%s", size, 1024, ["B","KiB","MiB",…]). */
export function bytesSize(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${Number(v.toPrecision(4))}${units[i]}`;
}

/** The prune mode of a command line, when it is the registry's pruner (directly or through `sh -c`). */
export function pruneMode(command: string[]): 'check' | 'delete' | undefined {
  let line = command;
  if ((command[0] === '/bin/sh' || command[0] === 'sh' || command[0] === '/bin/bash' || command[0] === 'bash') && command[1] === '-c' && command.length === 3) {
    line = command[2]!.trim().split(/\s+/);
  }
  if (line.length !== 2 || (line[0] !== '/usr/bin/dockerregistry' && line[0] !== 'dockerregistry')) return undefined;
  const m = /^--?prune=(check|delete)$/.exec(line[1]!);
  return m ? (m[1] as 'check' | 'delete') : undefined;
}

async function gc(configPath: string, dryRun: boolean): Promise<{ out: string; ok: boolean }> {
  try {
    const r = await exec(DOCKER_REGISTRY_BIN, ['garbage-collect', ...(dryRun ? ['--dry-run'] : []), configPath], { env: { PATH: '/usr/bin:/bin' }, maxBuffer: 64 * 1024 * 1024 });
    return { out: r.stdout + r.stderr, ok: true };
  } catch (e: any) {
    return { out: String(e.stdout ?? '') + String(e.stderr ?? e.message), ok: false };
  }
}

/**
 * Runs the pruner against the registry whose config and storage are under dataDir (see process.ts). `forbiddenUser`:
 * the pod's service account may not list Images — Prune fails at its first API call (`error listing images: …`),
 * ExecutePruner logs it, prints the empty summary and exits 1.
 */
export async function runHardPrune(dataDir: string, mode: 'check' | 'delete', o: { holdMs?: number; gate?: { reached: () => void; released: Promise<void> }; forbiddenUser?: string } = {}): Promise<ExecOutput> {
  if (o.forbiddenUser) {
    const msg = `error listing images: images.image.openshift.io is forbidden: User \\"${o.forbiddenUser}\\" cannot list resource \\"images\\" in API group \\"image.openshift.io\\" at the cluster scope`;
    return { ...summary(mode, 0, 0), stderr: `time="${new Date().toISOString()}" level=error msg="${msg}"\n`, exitCode: 1 };
  }
  const holdMs = o.holdMs ?? 0;
  const configPath = path.join(dataDir, 'config.yml');
  const blobsDir = path.join(dataDir, 'storage', 'docker', 'registry', 'v2', 'blobs', 'sha256');
  // The sweep's candidates first (a dry run), to size them before they go.
  const dry = await gc(configPath, true);
  if (!dry.ok) {
    // ExecutePruner on a registry without repositories: "No repositories found", nothing deleted.
    if (/Path not found: \/docker\/registry\/v2\/repositories/.test(dry.out)) return summary(mode, 0, 0);
    return { stdout: '', stderr: `time="${new Date().toISOString()}" level=error msg="${dry.out.trim().split('\n').pop()}"\n`, exitCode: 1 };
  }
  const digests = [...dry.out.matchAll(/blob eligible for deletion: (sha256:[0-9a-f]{64})/g)].map((m) => m[1]!);
  let size = 0;
  for (const d of digests) size += (await stat(path.join(blobsDir, d.slice(7, 9), d.slice(7), 'data')).catch(() => ({ size: 0 }))).size;
  if (holdMs > 0) await new Promise((r) => setTimeout(r, holdMs));
  if (o.gate) {
    o.gate.reached();
    await o.gate.released;
  }
  if (mode === 'delete') {
    const real = await gc(configPath, false);
    if (!real.ok) return { stdout: '', stderr: `time="${new Date().toISOString()}" level=error msg="${real.out.trim().split('\n').pop()}"\n`, exitCode: 1 };
  }
  return summary(mode, digests.length, size);
}

function summary(mode: 'check' | 'delete', blobs: number, size: number): ExecOutput {
  const stdout =
    mode === 'check'
      ? `Would delete ${blobs} blobs\nWould free up ${bytesSize(size)} of disk space\nUse -prune=delete to actually delete the data\n`
      : `Deleted ${blobs} blobs\nFreed up ${bytesSize(size)} of disk space\n`;
  return { stdout, stderr: '', exitCode: 0 };
}
