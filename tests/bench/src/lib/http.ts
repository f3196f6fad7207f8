/**
 * HTTP for the load generator and the agents: one undici keep-alive pool per origin with a fixed
 * number of connections. A request that finds every connection busy waits inside the pool; the
 * open-model generator measures from the scheduled send time, so that wait is part of the latency.
 */
import { Pool } from 'undici';

export interface HttpResponse {
  status: number;
  body: string;
}

export class HttpClient {
  private readonly pools = new Map<string, Pool>();

  /** `authorization`: the bearer header sent with the JSON API calls (the agents' resolve and presence). */
  constructor(private readonly options: { connections: number; timeoutMs: number; authorization?: string }) {}

  private pool(origin: string): Pool {
    let pool = this.pools.get(origin);
    if (!pool) {
      pool = new Pool(origin, { connections: this.options.connections, pipelining: 1, keepAliveTimeout: 60_000, keepAliveMaxTimeout: 600_000 });
      this.pools.set(origin, pool);
    }
    return pool;
  }

  async request(origin: string, method: 'GET' | 'POST' | 'PUT', path: string, headers: Record<string, string>, body?: string): Promise<HttpResponse> {
    const response = await this.pool(origin).request({
      method,
      path,
      headers,
      body,
      headersTimeout: this.options.timeoutMs,
      bodyTimeout: this.options.timeoutMs,
    });
    return { status: response.statusCode, body: await response.body.text() };
  }

  async json(origin: string, method: 'GET' | 'POST' | 'PUT', path: string, payload?: unknown): Promise<HttpResponse> {
    const headers: Record<string, string> = payload === undefined ? {} : { 'content-type': 'application/json' };
    if (this.options.authorization) headers.authorization = this.options.authorization;
    return this.request(origin, method, path, headers, payload === undefined ? undefined : JSON.stringify(payload));
  }

  async close(): Promise<void> {
    await Promise.allSettled([...this.pools.values()].map((p) => p.close()));
    this.pools.clear();
  }
}
