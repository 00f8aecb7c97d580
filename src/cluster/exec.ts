// `kubectl exec` without kubectl: pods/exec over WebSocket with the channel protocols (v5.channel.k8s.io, else
// v4.channel.k8s.io; kubernetes staging/src/k8s.io/apimachinery/pkg/util/remotecommand/constants.go,
// client-go tools/remotecommand/websocket.go). Channel 1 = stdout, 2 = stderr, 3 = the final Status; v5 adds
// 255 = close. Only output is read: no stdin, no tty.
import { createHash, randomBytes } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Cluster, Json } from './cluster.js';
import { R, resourcePath } from './resources.js';

export interface ExecResult {
  exitCode: number;
  /** The Status the server sent on channel 3 (Success, or Failure with reason NonZeroExitCode). */
  status: Json;
}

export interface ExecOptions {
  container?: string;
  signal?: AbortSignal;
  onStdout?: (chunk: Buffer) => void;
  onStderr?: (chunk: Buffer) => void;
}

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** One client frame: always masked (RFC 6455 §5.3). */
function frame(opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const len = payload.length;
  const head = len < 126 ? Buffer.from([0x80 | opcode, 0x80 | len]) : Buffer.from([0x80 | opcode, 0x80 | 126, len >> 8, len & 0xff]);
  const body = Buffer.alloc(len);
  for (let i = 0; i < len; i++) body[i] = payload[i]! ^ mask[i % 4]!;
  return Buffer.concat([head, mask, body]);
}

export function exitCodeOf(status: Json): number {
  if (status.status === 'Success') return 0;
  const cause = (status.details?.causes as Json[] | undefined)?.find((c) => c.reason === 'ExitCode');
  const n = Number(cause?.message);
  return Number.isInteger(n) ? n : 1;
}

export async function podExec(c: Cluster, namespace: string, pod: string, command: string[], o: ExecOptions = {}): Promise<ExecResult> {
  const key = randomBytes(16).toString('base64');
  const query: Array<[string, string]> = command.map((x) => ['command', x]);
  if (o.container) query.push(['container', o.container]);
  query.push(['stdout', 'true'], ['stderr', 'true']);
  const { socket, head, headers } = await c.rest.upgrade(resourcePath(R.pod, { namespace, name: pod, subresource: 'exec' }), query, {
    Connection: 'Upgrade',
    Upgrade: 'websocket',
    'Sec-WebSocket-Version': '13',
    'Sec-WebSocket-Key': key,
    'Sec-WebSocket-Protocol': 'v5.channel.k8s.io, v4.channel.k8s.io',
  }, o.signal);
  if (headers['sec-websocket-accept'] !== createHash('sha1').update(key + GUID).digest('base64')) {
    socket.destroy();
    throw new Error(`pods/exec: the API server's WebSocket answer is not for this request`);
  }
  return readChannels(socket, head, o);
}

function readChannels(socket: Socket, head: Buffer, o: ExecOptions): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    let buf = head;
    let status: Json | undefined;
    let message: Buffer[] = [];
    let done = false;
    const finish = (e?: Error) => {
      if (done) return;
      done = true;
      o.signal?.removeEventListener('abort', onAbort);
      if (!socket.destroyed) {
        try {
          socket.end(frame(0x8, Buffer.from([0x03, 0xe8])));
        } catch {
          /* closing anyway */
        }
      }
      if (e) return reject(e);
      if (!status) return reject(new Error('pods/exec: the connection closed before the command finished'));
      resolve({ exitCode: exitCodeOf(status), status });
    };
    const onAbort = () => {
      socket.destroy();
      finish(o.signal?.reason instanceof Error ? o.signal.reason : new Error('interrupted'));
    };
    o.signal?.addEventListener('abort', onAbort, { once: true });
    const deliver = (data: Buffer) => {
      if (!data.length) return;
      const ch = data[0];
      const rest = data.subarray(1);
      if (ch === 1) o.onStdout?.(rest);
      else if (ch === 2) o.onStderr?.(rest);
      else if (ch === 3 && rest.length) {
        try {
          status = JSON.parse(rest.toString('utf8')) as Json;
        } catch {
          status = { status: 'Failure', message: rest.toString('utf8') };
        }
        finish();
      }
    };
    const parse = () => {
      for (;;) {
        if (buf.length < 2) return;
        const fin = (buf[0]! & 0x80) !== 0;
        const opcode = buf[0]! & 0x0f;
        const masked = (buf[1]! & 0x80) !== 0;
        let len = buf[1]! & 0x7f;
        let off = 2;
        if (len === 126) {
          if (buf.length < 4) return;
          len = buf.readUInt16BE(2);
          off = 4;
        } else if (len === 127) {
          if (buf.length < 10) return;
          len = Number(buf.readBigUInt64BE(2));
          off = 10;
        }
        const maskKey = masked ? buf.subarray(off, off + 4) : undefined;
        if (masked) off += 4;
        if (buf.length < off + len) return;
        let payload = buf.subarray(off, off + len);
        if (maskKey) payload = Buffer.from(payload.map((b, i) => b ^ maskKey[i % 4]!));
        buf = buf.subarray(off + len);
        if (opcode === 0x8) return finish();
        if (opcode === 0x9) socket.write(frame(0xa, payload));
        else if (opcode === 0x1 || opcode === 0x2 || opcode === 0x0) {
          message.push(payload);
          if (fin) {
            const whole = Buffer.concat(message);
            message = [];
            deliver(whole);
          }
        }
        if (done) return;
      }
    };
    socket.on('data', (d: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      parse();
    });
    socket.on('error', (e) => finish(e));
    socket.on('close', () => finish());
    parse();
  });
}
