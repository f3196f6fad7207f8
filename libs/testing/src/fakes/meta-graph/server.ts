import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { graphErrorBody, type GraphError, type ScriptedFailure } from './graph-errors';
import { validateSendApiBody } from './validate-messenger';
import { validateCloudApiBody } from './validate-whatsapp';

export interface FakeMetaGraphOptions {
  /** The Page access token the Messenger Send API accepts (`access_token` query). */
  messengerPageAccessToken?: string;
  /** The token the WhatsApp Cloud API accepts (`Authorization: Bearer`). */
  whatsappAccessToken?: string;
  /** Phone number ids that exist; any id is accepted when omitted. */
  whatsappPhoneNumberIds?: readonly string[];
}

export type GraphApi = 'messenger' | 'whatsapp' | 'unknown';

export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. '/v24.0/me/messages'. */
  path: string;
  query: Record<string, string>;
  /** Lower-case header names. */
  headers: Record<string, string>;
  rawBody: string;
  /** Parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
  api: GraphApi;
  response: { status: number; body: unknown };
}

export const DEFAULT_MESSENGER_TOKEN = 'fake-messenger-page-token';
export const DEFAULT_WHATSAPP_TOKEN = 'fake-whatsapp-access-token';

const VERSION = /^v\d+\.\d+$/;

interface Answer {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
  /** Text to send as-is instead of JSON. */
  raw?: string;
}

/**
 * A fake Meta Graph API over real HTTP (127.0.0.1, random port) speaking the Send API and the
 * WhatsApp Cloud API as channels.md describes them: it checks the credentials (Messenger
 * `access_token` query, WhatsApp `Authorization: Bearer`), checks the request shape and refuses
 * bad ones with real-shaped Graph errors, answers with real-shaped success bodies, records every
 * request, and can be told to fail the next N requests with a given error.
 *
 *   const graph = new FakeMetaGraph({ messengerPageAccessToken: 'tok' });
 *   const baseUrl = await graph.start();       // point META_GRAPH_API_BASE_URL here
 *   graph.failNext(1, GraphErrors.messengerWindowClosed);
 *   … graph.requests …
 *   await graph.stop();
 */
export class FakeMetaGraph {
  readonly requests: RecordedRequest[] = [];
  private server?: Server;
  private url?: string;
  private readonly failures: Array<{ remaining: number; failure: ScriptedFailure }> = [];
  private readonly waiters: Array<{ count: number; resolve: (requests: RecordedRequest[]) => void }> = [];
  private sequence = 0;
  private readonly messengerToken: string;
  private readonly whatsappToken: string;

  constructor(private readonly options: FakeMetaGraphOptions = {}) {
    this.messengerToken = options.messengerPageAccessToken ?? DEFAULT_MESSENGER_TOKEN;
    this.whatsappToken = options.whatsappAccessToken ?? DEFAULT_WHATSAPP_TOKEN;
  }

  /** Listen on 127.0.0.1 at a free port; resolves with the base URL (no trailing slash). */
  async start(): Promise<string> {
    if (this.url) return this.url;
    const server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    this.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    this.url = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  get baseUrl(): string {
    if (!this.url) throw new Error('FakeMetaGraph is not started');
    return this.url;
  }

  /** Answer the next `count` requests (to `failure.api` when set) with this failure. */
  failNext(count: number, failure: ScriptedFailure): void {
    if (count > 0) this.failures.push({ remaining: count, failure });
  }

  /** Forget recorded requests and pending failures. */
  reset(): void {
    this.requests.length = 0;
    this.failures.length = 0;
  }

  messengerRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.api === 'messenger');
  }

  whatsappRequests(): RecordedRequest[] {
    return this.requests.filter((r) => r.api === 'whatsapp');
  }

  /** Resolves once at least `count` requests were recorded (no timer: the test's own timeout applies). */
  waitForRequests(count: number): Promise<RecordedRequest[]> {
    if (this.requests.length >= count) return Promise.resolve([...this.requests]);
    return new Promise((resolve) => this.waiters.push({ count, resolve }));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://fake.graph');
    const query = Object.fromEntries(url.searchParams.entries());
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(req.headers)) if (value !== undefined) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
    let body: unknown = rawBody;
    let parsed = false;
    try {
      body = rawBody === '' ? undefined : JSON.parse(rawBody);
      parsed = true;
    } catch {
      parsed = false;
    }

    const api = this.apiOf(req.method ?? 'GET', url.pathname, headers, body);
    const answer = this.answer({ method: req.method ?? 'GET', path: url.pathname, query, headers, body, parsed, api });
    const recorded: RecordedRequest = { method: req.method ?? 'GET', path: url.pathname, query, headers, rawBody, body, api, response: { status: answer.status, body: answer.body } };
    this.requests.push(recorded);
    this.notifyWaiters();

    const payload = answer.raw ?? JSON.stringify(answer.body);
    res.writeHead(answer.status, {
      'content-type': answer.raw !== undefined ? 'text/plain' : 'application/json; charset=UTF-8',
      'x-fb-trace-id': 'FakeGraphTrace',
      ...(answer.headers ?? {}),
    });
    res.end(payload);
  }

  private notifyWaiters(): void {
    for (let i = this.waiters.length - 1; i >= 0; i -= 1) {
      const waiter = this.waiters[i]!;
      if (this.requests.length >= waiter.count) {
        this.waiters.splice(i, 1);
        waiter.resolve([...this.requests]);
      }
    }
  }

  /** Which API a request is for: `/me/messages` is Messenger; `/{id}/messages` by its credentials. */
  private apiOf(method: string, path: string, headers: Record<string, string>, body: unknown): GraphApi {
    const parts = path.split('/').filter(Boolean);
    if (method !== 'POST' || parts.length !== 3 || parts[2] !== 'messages') return 'unknown';
    if (parts[1] === 'me') return 'messenger';
    const bearer = /^Bearer\s/i.test(headers.authorization ?? '');
    const whatsappBody = typeof body === 'object' && body !== null && (body as { messaging_product?: unknown }).messaging_product === 'whatsapp';
    return bearer || whatsappBody ? 'whatsapp' : 'messenger';
  }

  private answer(request: { method: string; path: string; query: Record<string, string>; headers: Record<string, string>; body: unknown; parsed: boolean; api: GraphApi }): Answer {
    const parts = request.path.split('/').filter(Boolean);
    if (request.api === 'unknown' || !VERSION.test(parts[0] ?? '')) {
      return error(400, { message: `Unknown path components: ${request.path}`, type: 'OAuthException', code: 2500 });
    }

    const authFailure = request.api === 'messenger' ? this.checkMessengerToken(request.query) : this.checkBearer(request.headers);
    if (authFailure) return authFailure;

    const scripted = this.takeFailure(request.api);
    if (scripted) {
      if (scripted.rawBody !== undefined) return { status: scripted.status, body: scripted.rawBody, raw: scripted.rawBody, headers: scripted.headers };
      return { status: scripted.status, body: graphErrorBody(scripted.error ?? { message: 'Scripted failure', type: 'OAuthException', code: 1 }), headers: scripted.headers };
    }

    if (!request.parsed || !(request.headers['content-type'] ?? '').includes('application/json')) {
      return error(400, { message: '(#100) The request body must be JSON (content-type application/json)', type: 'OAuthException', code: 100 });
    }
    return request.api === 'messenger' ? this.sendApi(request.body) : this.cloudApi(parts[1]!, request.body);
  }

  private checkMessengerToken(query: Record<string, string>): Answer | undefined {
    const token = query.access_token;
    if (!token) return error(400, { message: 'An access token is required to request this resource.', type: 'OAuthException', code: 104 });
    if (!sameSecret(token, this.messengerToken)) return error(400, { message: 'Invalid OAuth access token - Cannot parse access token', type: 'OAuthException', code: 190 });
    return undefined;
  }

  private checkBearer(headers: Record<string, string>): Answer | undefined {
    const match = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '');
    if (!match || !sameSecret(match[1]!.trim(), this.whatsappToken)) {
      return error(401, { message: 'Invalid OAuth access token - Cannot parse access token', type: 'OAuthException', code: 190 });
    }
    return undefined;
  }

  private takeFailure(api: GraphApi): ScriptedFailure | undefined {
    const index = this.failures.findIndex((f) => f.failure.api === undefined || f.failure.api === api);
    if (index < 0) return undefined;
    const entry = this.failures[index]!;
    entry.remaining -= 1;
    if (entry.remaining <= 0) this.failures.splice(index, 1);
    return entry.failure;
  }

  private sendApi(body: unknown): Answer {
    const invalid = validateSendApiBody(body);
    if (invalid) return error(400, invalid);
    const request = body as { recipient: { id: string }; sender_action?: string };
    if (request.sender_action) return { status: 200, body: { recipient_id: request.recipient.id } };
    this.sequence += 1;
    return { status: 200, body: { recipient_id: request.recipient.id, message_id: `m_fake${String(this.sequence).padStart(6, '0')}` } };
  }

  private cloudApi(phoneNumberId: string, body: unknown): Answer {
    const known = this.options.whatsappPhoneNumberIds;
    if (known && !known.includes(phoneNumberId)) {
      return error(400, {
        message: `Unsupported post request. Object with ID '${phoneNumberId}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
        type: 'GraphMethodException',
        code: 100,
        error_subcode: 33,
      });
    }
    const result = validateCloudApiBody(body);
    if ('error' in result) return error(400, result.error);
    if (result.call === 'mark_read') return { status: 200, body: { success: true } };
    const to = (body as { to: string }).to;
    this.sequence += 1;
    const id = `wamid.${Buffer.from(`fake-${phoneNumberId}-${this.sequence}`).toString('base64')}`;
    return { status: 200, body: { messaging_product: 'whatsapp', contacts: [{ input: to, wa_id: to.replace(/\D/g, '') }], messages: [{ id }] } };
  }
}

function error(status: number, graphError: GraphError): Answer {
  return { status, body: graphErrorBody(graphError) };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
