// Running commands and measuring them: wall time (hrtime around spawn → exit), CPU time and peak RSS (from
// /usr/bin/time when present, else from /proc/PID while it runs), and stdout either discarded, counted or kept.
// Everything is asynchronous: the sandbox answering the commands runs in this same process.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Stream } from 'node:stream';

export const TIME_BIN = '/usr/bin/time';
export const hasGnuTime = fs.existsSync(TIME_BIN);

export interface RunOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** 'ignore' (default: /dev/null), 'keep' (returned as text), a callback per chunk, or a stream with a descriptor (another process' stdin). */
  stdout?: 'ignore' | 'keep' | ((chunk: Buffer, child: RunningChild) => void) | Stream;
  timeoutMs?: number;
  /** Poll /proc/PID/status this often for VmHWM (also used without /usr/bin/time). */
  pollMs?: number;
  /** Called once the command runs (to signal it or read its peak RSS later). */
  onSpawn?: (child: RunningChild) => void;
}

export interface RunningChild {
  pid: number;
  /** Peak RSS seen so far (bytes), from /proc/PID/status VmHWM. */
  peakRss(): number;
  /** Sends the signal to the whole process group (the command and /usr/bin/time around it). */
  signal(sig: NodeJS.Signals): void;
}

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  wallMs: number;
  /** user + system CPU of the command and its children; undefined when not measurable. */
  cpuMs?: number;
  /** Peak RSS in bytes (GNU time %M, or the highest VmHWM polled). */
  maxRssBytes?: number;
  stdout: string;
  stderr: string;
}

/** VmHWM of a process in bytes, 0 when it is gone or /proc is not there. */
export function vmHwm(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Runs cmd args; with /usr/bin/time around it when present (CPU + max RSS). Never rejects on a non-zero exit. */
export function run(cmd: string, args: string[], o: RunOptions = {}): Promise<RunResult> {
  const tmp = hasGnuTime ? path.join(os.tmpdir(), `regctl-bench-time-${process.pid}-${Math.random().toString(36).slice(2)}`) : undefined;
  const argv = tmp ? [TIME_BIN, '-o', tmp, '-f', '%e %U %S %M', cmd, ...args] : [cmd, ...args];
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(argv[0]!, argv.slice(1), {
      env: o.env as NodeJS.ProcessEnv,
      cwd: o.cwd,
      stdio: ['ignore', o.stdout === undefined || o.stdout === 'ignore' ? 'ignore' : o.stdout instanceof Stream ? o.stdout : 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    // With /usr/bin/time the command is time's child: find its pid for /proc polling.
    let target = hasGnuTime ? 0 : child.pid!;
    const findTarget = () => {
      if (target) return target;
      try {
        const kids = fs.readFileSync(`/proc/${child.pid}/task/${child.pid}/children`, 'utf8').trim();
        if (kids) target = Number(kids.split(/\s+/)[0]);
      } catch {
        /* not yet */
      }
      return target;
    };
    const poll = () => {
      const t = findTarget();
      if (t) peak = Math.max(peak, vmHwm(t));
    };
    const timer = o.pollMs ? setInterval(poll, o.pollMs) : undefined;
    const running: RunningChild = {
      pid: child.pid!,
      peakRss: () => {
        poll();
        return peak;
      },
      signal: (sig) => {
        try {
          process.kill(-child.pid!, sig);
        } catch {
          /* gone */
        }
      },
    };
    o.onSpawn?.(running);
    const kill = o.timeoutMs ? setTimeout(() => running.signal('SIGKILL'), o.timeoutMs) : undefined;
    if (child.stdout && !(o.stdout instanceof Stream)) {
      const onOut = o.stdout;
      child.stdout.on('data', (c: Buffer) => {
        if (onOut === 'keep') stdout += c.toString('utf8');
        else if (typeof onOut === 'function') onOut(c, running);
      });
    }
    child.stderr!.on('data', (c: Buffer) => {
      if (stderr.length < 1 << 16) stderr += c.toString('utf8');
    });
    child.on('error', (e) => {
      if (timer) clearInterval(timer);
      if (kill) clearTimeout(kill);
      reject(e);
    });
    child.on('close', (code, sig) => {
      const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
      if (timer) clearInterval(timer);
      if (kill) clearTimeout(kill);
      let cpuMs: number | undefined;
      let maxRssBytes: number | undefined = peak || undefined;
      if (tmp) {
        try {
          // time writes "Command exited with non-zero status N" first when the command failed.
          const last = fs.readFileSync(tmp, 'utf8').trim().split('\n').pop() ?? '';
          const [, u, s, m] = last.split(' ').map(Number);
          if (Number.isFinite(u) && Number.isFinite(s)) cpuMs = (u! + s!) * 1000;
          if (Number.isFinite(m)) maxRssBytes = Math.max(peak, m! * 1024);
          // time reports the command's exit status as its own.
        } catch {
          /* killed before time wrote it */
        }
        fs.rmSync(tmp, { force: true });
      }
      resolve({ code, signal: sig, wallMs, cpuMs, maxRssBytes, stdout, stderr });
    });
  });
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Runs every command `rounds` times, round-robin (so load changes hit all alike); returns the results per command. */
export async function interleaved(cmds: Array<() => Promise<RunResult>>, rounds: number): Promise<RunResult[][]> {
  const out: RunResult[][] = cmds.map(() => []);
  for (let r = 0; r < rounds; r++) {
    for (const [i, c] of cmds.entries()) out[i]!.push(await c());
  }
  return out;
}

/** Fails with the command's stderr when it did not exit 0. */
export function check(r: RunResult, what: string, okCodes: number[] = [0]): RunResult {
  if (r.code === null || !okCodes.includes(r.code)) {
    throw new Error(`${what} exited ${r.code ?? r.signal}: ${r.stderr.trim().split('\n').slice(-5).join('\n')}`);
  }
  return r;
}

export const fmtMs = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`);
export const fmtMB = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
