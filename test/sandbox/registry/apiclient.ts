// Minimal HTTPS JSON client for the sandbox API server (the registry talks to it like any other client).
import https from 'node:https';

export interface ApiResponse<T = any> {
  status: number;
  body: T;
}

export class ApiClient {
  private readonly agent: https.Agent;
  private readonly base: URL;

  constructor(apiServerUrl: string, caPem: string) {
    this.base = new URL(apiServerUrl);
    this.agent = new https.Agent({ keepAlive: true, ca: caPem, maxSockets: 16 });
  }

  /** A reused keep-alive socket may already be closed by the server: such a request is sent once more. */
  async request<T = any>(method: string, path: string, token: string | undefined, body?: unknown): Promise<ApiResponse<T>> {
    try {
      return await this.send<T>(method, path, token, body);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ECONNRESET') throw e;
      return this.send<T>(method, path, token, body);
    }
  }

  private send<T>(method: string, path: string, token: string | undefined, body?: unknown): Promise<ApiResponse<T>> {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': 'dockerregistry/v4.17.0 (linux/amd64) kubernetes/d4cce00' };
    if (token) headers.Authorization = `Bearer ${token}`;
    if (payload) {
      headers['Content-Type'] = 'application/json';
      headers['Content-Length'] = String(payload.length);
    }
    return new Promise((resolve, reject) => {
      const req = https.request(
        { protocol: 'https:', hostname: this.base.hostname, port: this.base.port || 443, method, path, headers, agent: this.agent, timeout: 30_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: any = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              /* keep text */
            }
            resolve({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('API request timed out')));
      req.on('error', reject);
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
