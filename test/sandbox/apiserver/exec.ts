// pods/exec over WebSocket, the way kube-apiserver serves `kubectl exec` since 1.30 (KEP-4006): GET
// /api/v1/namespaces/NS/pods/NAME/exec?command=…&container=…&stdout=true&stderr=true with Upgrade: websocket and
// subprotocol v5.channel.k8s.io (or v4.channel.k8s.io); server frames carry a channel byte — 1 stdout, 2 stderr,
// 3 the final metav1.Status (Success, or Failure NonZeroExitCode with an ExitCode cause).
// (kubernetes staging/src/k8s.io/apimachinery/pkg/util/remotecommand/constants.go; staging/src/k8s.io/apiserver/
// pkg/util/wsstream/conn.go; pkg/kubelet/cri/streaming/remotecommand/websocket.go, httpstream.go `writeStatus`.)
// Authorization: the upgrade is a GET, so `get pods/exec` (RequestInfo's verb; the additional `create` check of the
// AuthorizePodWebsocketUpgradeCreatePermission gate comes with Kubernetes 1.35, after the sandbox's 1.30).
// What runs is up to the hook: the sandbox's registry pods run the registry's pruner (registry/hard-prune.ts).
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Identity, KubeObject } from '../types.ts';
import type { ApiServerOptions } from './context.ts';
import { ApiError, forbidden, fromUnknown } from './errors.ts';

export interface PodExecRequest {
  namespace: string;
  pod: KubeObject;
  container: string;
  command: string[];
}

export interface PodExecResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export type PodExecHook = (r: PodExecRequest) => Promise<PodExecResult>;

const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const PATH = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/exec$/;

function httpError(socket: Duplex, e: ApiError): void {
  const body = JSON.stringify(e.status());
  socket.end(`HTTP/1.1 ${e.code} ${e.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
}

/** One unmasked server frame. */
function frame(opcode: number, payload: Buffer): Buffer {
  const len = payload.length;
  let head: Buffer;
  if (len < 126) head = Buffer.from([0x80 | opcode, len]);
  else if (len < 65536) head = Buffer.from([0x80 | opcode, 126, len >> 8, len & 0xff]);
  else {
    head = Buffer.alloc(10);
    head[0] = 0x80 | opcode;
    head[1] = 127;
    head.writeBigUInt64BE(BigInt(len), 2);
  }
  return Buffer.concat([head, payload]);
}

const channel = (ch: number, data: Buffer | string) => frame(0x2, Buffer.concat([Buffer.from([ch]), Buffer.isBuffer(data) ? data : Buffer.from(data)]));

export async function handleExecUpgrade(opts: ApiServerOptions, req: IncomingMessage, socket: Duplex, authenticate: (req: IncomingMessage) => Identity): Promise<void> {
  socket.on('error', () => undefined);
  try {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1');
    const m = PATH.exec(url.pathname);
    if (!m || (req.headers.upgrade ?? '').toLowerCase() !== 'websocket') throw new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
    const [ns, name] = [decodeURIComponent(m[1]!), decodeURIComponent(m[2]!)];
    const user = authenticate(req);
    const attrs = { verb: 'get', group: '', resource: 'pods', subresource: 'exec', namespace: ns, name };
    if (!opts.authorizer.authorize(user, attrs).allowed) throw forbidden(user.username, attrs);
    const pod = opts.store.get('/pods', ns, name);
    if (!pod) throw new ApiError(404, 'NotFound', `pods "${name}" not found`, { name, kind: 'pods' });
    const containers = ((pod.spec as any)?.containers ?? []) as Array<{ name: string }>;
    const container = url.searchParams.get('container') || containers[0]?.name || '';
    if (!containers.some((c) => c.name === container)) throw new ApiError(400, 'BadRequest', `container ${container} is not valid for pod ${name}`);
    if ((pod.status as any)?.phase !== 'Running') throw new ApiError(400, 'BadRequest', `pod ${name} is not running`);
    const command = url.searchParams.getAll('command');
    if (!command.length) throw new ApiError(400, 'BadRequest', 'you must specify at least 1 command');
    const offered = String(req.headers['sec-websocket-protocol'] ?? '').split(',').map((s) => s.trim());
    const protocol = ['v5.channel.k8s.io', 'v4.channel.k8s.io'].find((p) => offered.includes(p));
    if (!protocol) throw new ApiError(400, 'BadRequest', 'unable to upgrade connection: no supported subprotocol (want v5.channel.k8s.io or v4.channel.k8s.io)');
    const accept = createHash('sha1').update(String(req.headers['sec-websocket-key'] ?? '') + GUID).digest('base64');
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\nSec-WebSocket-Protocol: ${protocol}\r\n\r\n`);

    let out: PodExecResult;
    const hook = opts.hooks?.podExec;
    try {
      out = hook ? await hook({ namespace: ns, pod, container, command }) : notFoundInPath(command[0]!);
    } catch (e) {
      out = { stdout: '', stderr: `${(e as Error).message}\n`, exitCode: 1 };
    }
    if (socket.destroyed) return;
    if (out.stdout) socket.write(channel(1, out.stdout));
    if (out.stderr) socket.write(channel(2, out.stderr));
    const status =
      out.exitCode === 0
        ? { metadata: {}, status: 'Success' }
        : {
            metadata: {},
            status: 'Failure',
            message: `command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${out.exitCode}`,
            reason: 'NonZeroExitCode',
            details: { causes: [{ reason: 'ExitCode', message: String(out.exitCode) }] },
          };
    socket.write(channel(3, JSON.stringify(status)));
    socket.end(frame(0x8, Buffer.from([0x03, 0xe8])));
  } catch (e) {
    httpError(socket, fromUnknown(e));
  }
}

/** What the container runtime answers for a command the image does not have. */
export function notFoundInPath(cmd: string): PodExecResult {
  return { stdout: '', stderr: `OCI runtime exec failed: exec failed: unable to start container process: exec: "${cmd}": executable file not found in $PATH: unknown\n`, exitCode: 126 };
}
