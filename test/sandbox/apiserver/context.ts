// Shared request context and response helpers for the API server's handlers.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthRegistry, Authorizer, Faults, Identity, KubeObject, ResourceKey, ResourceType, Store } from '../types.ts';
import yaml from 'js-yaml';
import { ApiError, fromUnknown } from './errors.ts';
import { decodeProtobuf } from './proto.ts';

export interface ApiServerOptions {
  store: Store;
  auth: AuthRegistry;
  authorizer: Authorizer;
  faults: Faults;
  tls: { certPem: string; keyPem: string; clientCaPem: string };
  oauth: { issuer: string };
  hooks?: { importImage?: (ns: string, isi: KubeObject) => Promise<KubeObject>; linkImage?: (dockerImageReference: string, targetRepository: string) => Promise<void>; podExec?: import('./exec.ts').PodExecHook };
  /** Port to listen on (default 0 = any free port). */
  port?: number;
  /**
   * ImageStreamTag writes and deletes honour dryRun=All (openshift-apiserver release-4.16 and later since the May 2025
   * z-streams, commit 379ff7e93 "Wire dry run option into create and update operations for image resources"); false
   * for 4.14, whose imagestreamtag/rest.go writes the stream without the request's options (a dry run really writes).
   */
  imageStreamTagDryRun?: boolean;
}

export interface RequestCtx {
  opts: ApiServerOptions;
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  user: Identity;
  /** The raw request body (read once, cached). */
  body(): Promise<Buffer>;
}

export interface ResourceRequest {
  t: ResourceType;
  key: ResourceKey;
  namespace?: string;
  name?: string;
  subresource?: string;
  verb: string;
  watch: boolean;
}

const MAX_BODY = 8 * 1024 * 1024;

export function bodyReader(req: IncomingMessage): () => Promise<Buffer> {
  let p: Promise<Buffer> | undefined;
  return () =>
    (p ??= new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (c: Buffer) => {
        size += c.length;
        if (size > MAX_BODY) {
          reject(new ApiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728'));
          req.destroy();
        } else chunks.push(c);
      });
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    }));
}

/** The request body as a JSON value: JSON, or the protobuf kinds proto.ts knows (kubectl's typed clients). */
export async function jsonBody(ctx: RequestCtx): Promise<any> {
  const buf = await ctx.body();
  if (!buf.length) throw new ApiError(400, 'BadRequest', 'the body of the request was empty');
  const ct = String(ctx.req.headers['content-type'] ?? '');
  if (ct.includes('protobuf')) {
    try {
      return decodeProtobuf(buf);
    } catch (e) {
      debugLog(`undecodable protobuf body: ${(e as Error).message}`);
      throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml (${(e as Error).message})`);
    }
  }
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (e) {
    if (ct.includes('yaml')) {
      try {
        return yaml.load(buf.toString('utf8'));
      } catch {
        // fall through
      }
    }
    throw new ApiError(400, 'BadRequest', `error decoding request body: ${(e as Error).message}`);
  }
}

export function debugLog(msg: string): void {
  if (process.env.SANDBOX_DEBUG) process.stderr.write(`[apiserver] ${msg}\n`);
}

export function sendJson(res: ServerResponse, code: number, obj: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const body = JSON.stringify(obj);
  res.writeHead(code, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Content-Length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

export function sendError(res: ServerResponse, e: unknown): void {
  const err = fromUnknown(e);
  if (process.env.SANDBOX_DEBUG && err.code >= 500) process.stderr.write(`[apiserver] ${err.code} ${err.message}\n`);
  sendJson(res, err.code, err.status(), err.headers ?? {});
}
