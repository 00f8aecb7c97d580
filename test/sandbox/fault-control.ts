// A small HTTP control endpoint on 127.0.0.1 to read and change a running sandbox's faults:
//   curl -s 127.0.0.1:PORT/faults
//   curl -s -X POST 127.0.0.1:PORT/faults -d '{"errorRate":0.3,"conflicts":50}'
//   curl -s -X POST 127.0.0.1:PORT/faults/reset
// Only known fields with valid values are accepted (400 otherwise, nothing changed).
import { createServer } from 'node:http';
import { defaultFaults, type Faults } from './types.ts';
import { concurrentWritesProblem } from './apiserver/concurrent-write.ts';

const RATES = ['errorRate', 'dropRate', 'resetRate', 'throttleRate'] as const;
const COUNTS = ['latencyMs', 'conflictNextWrites', 'conflicts'] as const;
const STORAGE = ['READ_ONLY_FILESYSTEM', 'DEVICE_OUT_OF_SPACE'];

/** Validates a partial update; returns the problem, or undefined when `patch` may be applied. */
export function checkFaultPatch(patch: unknown): string | undefined {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return 'body must be a JSON object';
  for (const [k, v] of Object.entries(patch)) {
    if ((RATES as readonly string[]).includes(k)) {
      if (typeof v !== 'number' || !(v >= 0 && v <= 1)) return `${k} must be a number between 0 and 1`;
    } else if ((COUNTS as readonly string[]).includes(k)) {
      if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) return `${k} must be a non-negative integer`;
    } else if (k === 'down' || k === 'prunerJobFails') {
      if (typeof v !== 'boolean') return `${k} must be true or false`;
    } else if (k === 'failRequests') {
      if (!Array.isArray(v) || v.some((r) => !r || ![429, 500, 503, 'reset'].includes(r.answer) || !Number.isInteger(r.times) || r.times < 0)) {
        return 'failRequests must be a list of {method?, path?, answer: 429|500|503|"reset", times}';
      }
    } else if (k === 'concurrentWrites') {
      const p = concurrentWritesProblem(v);
      if (p) return p;
    } else if (k === 'registryStorage') {
      if (v !== null && !STORAGE.includes(v as string)) return `registryStorage must be null or one of ${STORAGE.join(', ')}`;
    } else return `unknown fault "${k}" (known: ${[...RATES, ...COUNTS, 'down', 'failRequests', 'concurrentWrites', 'registryStorage', 'prunerJobFails'].join(', ')})`;
  }
  return undefined;
}

export function applyFaultPatch(faults: Faults, patch: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(patch)) {
    if (k === 'registryStorage' && v === null) delete faults.registryStorage;
    else (faults as unknown as Record<string, unknown>)[k] = v;
  }
}

export function resetFaults(faults: Faults): void {
  delete faults.registryStorage;
  delete faults.prunerJobFails;
  delete (faults as { concurrentWrites?: unknown }).concurrentWrites;
  Object.assign(faults, defaultFaults(), { conflicts: 0, resetRate: 0, throttleRate: 0, failRequests: [] });
}

export async function startFaultControl(faults: Faults, port = 0): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    const send = (code: number, body: unknown) => {
      const text = JSON.stringify(body) + '\n';
      res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
      res.end(text);
    };
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/faults') return send(200, faults);
    if (req.method === 'POST' && path === '/faults/reset') {
      resetFaults(faults);
      return send(200, faults);
    }
    if (req.method !== 'POST' || path !== '/faults') return send(404, { error: 'GET /faults, POST /faults {json}, POST /faults/reset' });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 64 * 1024) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      let patch: unknown;
      try {
        patch = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
      } catch (e) {
        return send(400, { error: `invalid JSON: ${(e as Error).message}` });
      }
      const problem = checkFaultPatch(patch);
      if (problem) return send(400, { error: problem });
      applyFaultPatch(faults, patch as Record<string, unknown>);
      send(200, faults);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const a = server.address();
  const url = `http://127.0.0.1:${typeof a === 'object' && a ? a.port : port}`;
  return { url, close: () => new Promise<void>((r) => server.close(() => r())) };
}
