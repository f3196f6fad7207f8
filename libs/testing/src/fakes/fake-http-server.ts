import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What every fake records of a request, before its own fields (parsed body, OAuth…). */
export interface RecordedRequestBase {
  method: string;
  path: string;
  /** Query parameters (a repeated name keeps its last value). */
  query: Record<string, string>;
  /** Request headers with a single value, names lower-case. */
  headers: Record<string, string>;
  rawBody: string;
  /** When the fake received it (epoch ms): lets tests check backoff and deferral times. */
  receivedAt: number;
  /** What the fake answered: status and body (before JSON encoding). */
  status: number;
  response?: unknown;
}

/** One request as read off the socket, handed to the fake's own `record` and `respond`. */
export interface IncomingFakeRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  rawBody: string;
  contentType: string;
  /** Query parameters in order, repeated names kept. */
  queryPairs: Array<[string, string]>;
  /** application/x-www-form-urlencoded fields in order, repeated names kept ([] for other bodies). */
  form: Array<[string, string]>;
  /** Parsed JSON for application/json bodies; undefined when absent or not JSON. */
  json: unknown;
}

/** A fake's answer: JSON-encoded when `body` is defined, empty otherwise (`raw` is sent as-is instead). */
export interface FakeReply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Text to send as-is (text/plain unless the headers say otherwise) instead of JSON-encoding `body`. */
  raw?: string;
}

/**
 * What the provider fakes share: a real HTTP server on 127.0.0.1 and a free port, body reading and
 * parsing, a record of every request with what was answered, and scripted failures ("fail the
 * next N requests with this"). Subclasses say how to record a request (`record`) and how to
 * answer it (`respond`), and may add headers to every answer (`commonHeaders`).
 */
export abstract class FakeHttpServer<Failure, Recorded extends RecordedRequestBase> {
  readonly requests: Recorded[] = [];
  private server?: Server;
  private url?: string;
  private readonly failures: Array<{ remaining: number; failure: Failure }> = [];

  protected constructor(private readonly fakeName: string) {}

  /** Listen on 127.0.0.1 on a free port; resolves to the base URL (no trailing slash). */
  async start(): Promise<string> {
    const server = createServer((req, res) => void this.serve(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  }

  get baseUrl(): string {
    if (!this.url) throw new Error(`${this.fakeName} is not started`);
    return this.url;
  }

  /** Make the next `count` requests (that pass authentication) fail with `failure`. */
  failNext(count: number, failure: Failure): void {
    if (count > 0) this.failures.push({ remaining: count, failure });
  }

  /** Drop scripted failures not used yet. */
  clearFailures(): void {
    this.failures.length = 0;
  }

  /** Forget recorded requests and scripted failures. */
  reset(): void {
    this.requests.length = 0;
    this.failures.length = 0;
  }

  /** The first scripted failure left that `applies` to this request (default: any), consuming one. */
  protected nextFailure(applies: (failure: Failure) => boolean = () => true): Failure | undefined {
    const index = this.failures.findIndex((entry) => applies(entry.failure));
    if (index < 0) return undefined;
    const next = this.failures[index]!;
    if (--next.remaining <= 0) this.failures.splice(index, 1);
    return next.failure;
  }

  protected abstract record(request: IncomingFakeRequest): Recorded;
  protected abstract respond(request: IncomingFakeRequest, recorded: Recorded): FakeReply | Promise<FakeReply>;
  /** Headers on every answer (the reply's own headers win). */
  protected commonHeaders(_reply: FakeReply): Record<string, string> {
    return {};
  }
  /** Note on the record what was answered, before it is sent (default: `status`, and `response` = the reply's body). */
  protected noteReply(recorded: Recorded, reply: FakeReply): void {
    recorded.status = reply.status;
    recorded.response = reply.body;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const rawBody = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', this.baseUrl);
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
      const contentType = headers['content-type'] ?? '';
      const form = contentType.startsWith('application/x-www-form-urlencoded') ? Array.from(new URLSearchParams(rawBody).entries()) : [];
      let json: unknown;
      if (contentType.startsWith('application/json')) {
        try {
          json = JSON.parse(rawBody);
        } catch {
          json = undefined;
        }
      }
      const incoming: IncomingFakeRequest = {
        method: req.method ?? 'GET',
        url,
        headers,
        rawBody,
        contentType,
        queryPairs: Array.from(url.searchParams.entries()),
        form,
        json,
      };
      const recorded = this.record(incoming);
      this.requests.push(recorded);
      const reply = await this.respond(incoming, recorded);
      this.noteReply(recorded, reply);
      const payload = reply.raw ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
      res.writeHead(reply.status, {
        ...(reply.raw !== undefined ? { 'content-type': 'text/plain' } : payload ? { 'content-type': 'application/json; charset=utf-8' } : {}),
        ...this.commonHeaders(reply),
        ...reply.headers,
      });
      res.end(payload);
    } catch (err) {
      // A bug in a fake must show up in the test, not hang the client.
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`${this.fakeName} failed: ${(err as Error).message}`);
    }
  }
}

/** The base fields every fake records, from an incoming request. */
export function baseRecord(request: IncomingFakeRequest): RecordedRequestBase {
  return {
    method: request.method,
    path: request.url.pathname,
    query: Object.fromEntries(request.queryPairs),
    headers: request.headers,
    rawBody: request.rawBody,
    receivedAt: Date.now(),
    status: 0,
  };
}
