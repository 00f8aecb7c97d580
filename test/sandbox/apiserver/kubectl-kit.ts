// Test helper: a kubeconfig for the test API server (startKit) and an async kubectl runner.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kit } from './testkit.ts';

export const KUBECTL = '/usr/bin/kubectl';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlKit {
  dir: string;
  /** Writes a file into the temp dir and returns its path. */
  file(name: string, text: string): string;
  run(...args: string[]): Promise<KubectlResult>;
  close(): void;
}

export function kubectlFor(kit: Kit): KubectlKit {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-kubectl-'));
  writeFileSync(join(dir, 'ca.crt'), kit.caPem);
  writeFileSync(
    join(dir, 'config'),
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters:\n- name: sandbox\n  cluster:\n    server: ${kit.server.url}\n    certificate-authority: ${join(dir, 'ca.crt')}`,
      `users:\n- name: admin\n  user:\n    token: ${kit.adminToken}`,
      'contexts:\n- name: admin\n  context:\n    cluster: sandbox\n    user: admin\n    namespace: default',
      'current-context: admin',
      '',
    ].join('\n'),
  );
  return {
    dir,
    file(name, text) {
      const p = join(dir, name);
      writeFileSync(p, text);
      return p;
    },
    run: (...args) =>
      new Promise((resolve) => {
        // Async on purpose: the API server runs in this process. HOME in the temp dir: a fresh discovery cache.
        execFile(KUBECTL, ['--kubeconfig', join(dir, 'config'), ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/bin', HOME: dir }, timeout: 45_000 }, (e, stdout, stderr) =>
          resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, stdout, stderr }),
        );
      }),
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}
