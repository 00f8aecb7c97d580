// `skopeo login` to a sandbox registry host with a password on stdin, trusting the sandbox's service CA for that host
// (a certs dir under `dir`): whether the registry accepted the credentials, and skopeo's stderr when it did not.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Sandbox } from '../sandbox/index.ts';

export async function skopeoLogin(sb: Sandbox, dir: string, host: string, username: string, password: string): Promise<{ ok: boolean; stderr: string }> {
  const certs = path.join(dir, 'certs', host);
  fs.mkdirSync(certs, { recursive: true });
  fs.writeFileSync(path.join(certs, 'ca.crt'), sb.caPems.service);
  try {
    await new Promise<void>((resolve, reject) => {
      const p = execFile('skopeo', ['login', '--authfile', path.join(dir, 'auth.json'), '--cert-dir', certs, '-u', username, '--password-stdin', host],
        { env: { PATH: process.env.PATH!, HOME: dir, HTTPS_PROXY: sb.proxyUrl, NO_PROXY: '127.0.0.1,localhost' }, timeout: 30_000 },
        (e, _o, stderr) => (e ? reject(Object.assign(e, { stderr })) : resolve()));
      p.stdin!.end(password);
    });
    return { ok: true, stderr: '' };
  } catch (e: any) {
    return { ok: false, stderr: String(e.stderr) };
  }
}
