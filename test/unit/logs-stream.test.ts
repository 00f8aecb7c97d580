// streamPodLog against a minimal local API server: chunk boundaries anywhere (mid-line, mid-UTF-8 character),
// whole-line blocks, the final newline, and backpressure (a stalled reader stops the server, nothing piles up).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { connect, type Cluster } from '../../src/cluster/cluster.js';
import { streamPodLog } from '../../src/cluster/logs.js';

interface LogPlan {
  chunks: Buffer[];
  /** Write as fast as the socket takes it (with drain), recording progress. */
  flood?: { chunk: Buffer; total: number };
}

let server: http.Server;
let dir: string;
let cluster: Cluster;
let plan: LogPlan = { chunks: [] };
const progress = { sent: 0, waitingForDrain: false, done: false };

beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (!req.url!.includes('/log')) {
      res.writeHead(404).end('{}');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' });
    if (plan.flood) {
      const { chunk, total } = plan.flood;
      const pump = () => {
        while (progress.sent < total) {
          progress.sent += chunk.length;
          if (!res.write(chunk)) {
            progress.waitingForDrain = true;
            res.once('drain', () => {
              progress.waitingForDrain = false;
              pump();
            });
            return;
          }
        }
        progress.done = true;
        res.end();
      };
      pump();
      return;
    }
    // Each chunk is flushed on its own, so the client sees these exact boundaries (or coarser).
    const rest = [...plan.chunks];
    const next = () => {
      const c = rest.shift();
      if (!c) return void res.end();
      res.write(c, () => setImmediate(next));
    };
    next();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'regctl-logs-unit-'));
  const kubeconfig = path.join(dir, 'kubeconfig');
  fs.writeFileSync(
    kubeconfig,
    `apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "http://127.0.0.1:${port}", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: unit-test-token}}]
contexts: [{name: x, context: {cluster: c, user: u, namespace: default}}]
current-context: x
`,
  );
  cluster = connect({ kubeconfig, env: {}, timeoutMs: 10_000, userAgent: 'regctl-unit' });
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

const POD = { name: 'image-registry-a', container: 'registry' };

describe('streamPodLog', () => {
  const text = 'first line\nsecond line with é and 日本語\nthird\n' + 'x'.repeat(5000) + '\nlast line without newline';
  const bytes = Buffer.from(text, 'utf8');
  // Cut inside "é" (2 bytes) and inside "日" (3 bytes), mid-line and at line ends.
  const cuts = [3, 11, 30, bytes.indexOf(Buffer.from('日')) + 1, bytes.indexOf(Buffer.from('本')) + 2, 80, 2000, bytes.length - 5];

  function chunked(): Buffer[] {
    const out: Buffer[] = [];
    let at = 0;
    for (const c of cuts) {
      out.push(bytes.subarray(at, c));
      at = c;
    }
    out.push(bytes.subarray(at));
    return out;
  }

  it('passes chunks through unchanged and ends the output with a newline', async () => {
    plan = { chunks: chunked() };
    const got: string[] = [];
    await streamPodLog(cluster, POD, {}, new AbortController().signal, async (s) => void got.push(s), false);
    expect(got.join('')).toBe(text + '\n');
  });

  it('hands out whole lines only when asked, whatever the chunk boundaries', async () => {
    plan = { chunks: chunked() };
    const got: string[] = [];
    await streamPodLog(cluster, POD, {}, new AbortController().signal, async (s) => void got.push(s), true);
    expect(got.join('')).toBe(text + '\n');
    for (const b of got) expect(b.endsWith('\n')).toBe(true);
    expect(got.join('')).not.toContain('\uFFFD');
  });

  it('applies backpressure: a stalled reader stops the server instead of buffering the log', async () => {
    const chunk = Buffer.from('time="2025-01-01T00:00:00Z" level=info msg="response completed" http.response.status=200\n'.repeat(700));
    const total = 128 * 1024 * 1024;
    plan = { chunks: [], flood: { chunk, total } };
    Object.assign(progress, { sent: 0, waitingForDrain: false, done: false });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let received = 0;
    let calls = 0;
    const streaming = streamPodLog(
      cluster,
      POD,
      { follow: true },
      new AbortController().signal,
      async (s) => {
        calls++;
        received += Buffer.byteLength(s);
        if (calls === 1) await gate;
      },
      false,
    );
    // Wait until the server is stuck on a full socket (no progress between two looks) while our reader sits on
    // its first chunk; kernel socket buffers fill first, so this can take a moment.
    let stalledAt = -1;
    for (let tries = 0; tries < 100 && stalledAt < 0; tries++) {
      const before = progress.sent;
      await new Promise((r) => setTimeout(r, 200));
      if (progress.waitingForDrain && progress.sent === before && progress.sent > 0) stalledAt = progress.sent;
    }
    expect(stalledAt).toBeGreaterThan(0);
    // Bounded by socket buffers, not by the size of the log.
    expect(stalledAt).toBeLessThan(total / 4);
    expect(calls).toBe(1);
    release();
    await streaming;
    expect(progress.done).toBe(true);
    expect(received).toBe(Math.ceil(total / chunk.length) * chunk.length);
  });

  it('turns an error answer into an ApiError with the Status message', async () => {
    const srv = http.createServer((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', status: 'Failure', message: 'container "registry" in pod "x" is waiting to start: ContainerCreating', reason: 'BadRequest', code: 400 }));
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const kc = path.join(dir, 'kc-400');
    fs.writeFileSync(kc, fs.readFileSync(path.join(dir, 'kubeconfig'), 'utf8').replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${(srv.address() as AddressInfo).port}`));
    const c = connect({ kubeconfig: kc, env: {}, timeoutMs: 10_000, userAgent: 'regctl-unit' });
    await expect(streamPodLog(c, POD, {}, new AbortController().signal, async () => undefined)).rejects.toMatchObject({
      name: 'ApiError',
      statusCode: 400,
      message: 'container "registry" in pod "x" is waiting to start: ContainerCreating',
    });
    srv.closeAllConnections();
    await new Promise((r) => srv.close(r));
  });
});
