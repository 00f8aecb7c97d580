// Runs an independent client (kubectl, skopeo) against the sandbox; never throws, whatever it exits with.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const pexec = promisify(execFile);

export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** cmd with the sandbox env (KUBECONFIG, HTTPS_PROXY, …) and a throwaway HOME/XDG_RUNTIME_DIR. */
export async function runTool(cmd: string, args: string[], sandboxEnv: Record<string, string>, home: string): Promise<ToolResult> {
  try {
    const r = await pexec(cmd, args, { env: { PATH: process.env.PATH!, ...sandboxEnv, HOME: home, XDG_RUNTIME_DIR: home }, timeout: 45_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (e: any) {
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: String(e.stdout ?? ''), stderr: String(e.stderr ?? e.message) };
  }
}
