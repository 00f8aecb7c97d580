// Runs the built CLI on a real pseudo-terminal through util-linux `script` (no node-pty here): stdin, stdout and
// stderr of regctl are the pty, so it sees a terminal and may prompt. `answer` is typed only once `waitFor` shows
// up in the terminal output, as a person would; the transcript is everything the terminal displayed.
import { spawn } from 'node:child_process';
import { BIN, ROOT, baseEnv } from '../../helpers/cli.ts';

export interface PtyResult {
  code: number | null;
  /** What the terminal showed (stdout and stderr together, \r\n line ends). */
  transcript: string;
  /** Whether `waitFor` appeared (and `answer` was typed). */
  prompted: boolean;
}

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

export function runCliOnPty(args: string[], o: { env?: Record<string, string | undefined>; waitFor: string; answer: string; timeoutMs?: number }): Promise<PtyResult> {
  const command = [process.execPath, BIN, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    // -e: script exits with the child's status; -q: no "Script started" lines; /dev/null: no typescript file.
    const child = spawn('script', ['-q', '-e', '-c', command, '/dev/null'], { env: baseEnv({ TERM: 'dumb', ...o.env }), cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let transcript = '';
    let prompted = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      transcript += d;
      if (!prompted && transcript.includes(o.waitFor)) {
        prompted = true;
        child.stdin.write(o.answer);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (transcript += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 40_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, transcript, prompted });
    });
    // stdin stays open until the child is done: an early EOF would end the terminal session.
    child.on('exit', () => child.stdin.end());
  });
}
