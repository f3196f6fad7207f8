import { timingSafeEqual } from 'node:crypto';
import { FakeHttpServer, baseRecord, type FakeReply, type IncomingFakeRequest, type RecordedRequestBase } from '../fake-http-server';
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

export interface RecordedRequest extends RecordedRequestBase {
  /** Path without the query string, e.g. '/v24.0/me/messages'. */
  path: string;
  /** Parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
  api: GraphApi;
  response: { status: number; body: unknown };
}

export const DEFAULT_MESSENGER_TOKEN = 'fake-messenger-page-token';
export const DEFAULT_WHATSAPP_TOKEN = 'fake-whatsapp-access-token';

const VERSION = /^v\d+\.\d+$/;

/**
 * A fake Meta Graph API over real HTTP (127.0.0.1, random port) speaking the Send API and the
 * WhatsApp Cloud API as docs/channels/protocols.md describes them: it checks the credentials (Messenger
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
export class FakeMetaGraph extends FakeHttpServer<ScriptedFailure, RecordedRequest> {
  private readonly waiters: Array<{ count: number; resolve: (requests: RecordedRequest[]) => void }> = [];
  private readonly parsedJson = new WeakMap<RecordedRequest, boolean>();
  private running = false;
  private sequence = 0;
  private readonly messengerToken: string;
  private readonly whatsappToken: string;

  constructor(private readonly options: FakeMetaGraphOptions = {}) {
    super('FakeMetaGraph');
    this.messengerToken = options.messengerPageAccessToken ?? DEFAULT_MESSENGER_TOKEN;
    this.whatsappToken = options.whatsappAccessToken ?? DEFAULT_WHATSAPP_TOKEN;
  }

  /** Listen on 127.0.0.1 at a free port; resolves with the base URL (no trailing slash). Starting again while running is a no-op. */
  override async start(): Promise<string> {
    if (this.running) return super.baseUrl;
    const url = await super.start();
    this.running = true;
    return url;
  }

  override async stop(): Promise<void> {
    const wasRunning = this.running;
    this.running = false;
    if (wasRunning) await super.stop();
  }

  override get baseUrl(): string {
    if (!this.running) throw new Error('FakeMetaGraph is not started');
    return super.baseUrl;
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

  protected record(request: IncomingFakeRequest): RecordedRequest {
    let body: unknown = request.rawBody;
    let parsed = false;
    try {
      body = request.rawBody === '' ? undefined : JSON.parse(request.rawBody);
      parsed = true;
    } catch {
      parsed = false;
    }
    const recorded: RecordedRequest = {
      ...baseRecord(request),
      body,
      api: this.apiOf(request.method, request.url.pathname, request.headers, body),
      response: { status: 0, body: undefined },
    };
    this.parsedJson.set(recorded, parsed);
    return recorded;
  }

  protected respond(_request: IncomingFakeRequest, recorded: RecordedRequest): FakeReply {
    return this.answer(recorded, this.parsedJson.get(recorded) ?? false);
  }

  /** Graph answers carry the body and status together, JSON as `application/json; charset=UTF-8`. */
  protected override noteReply(recorded: RecordedRequest, reply: FakeReply): void {
    recorded.status = reply.status;
    recorded.response = { status: reply.status, body: reply.body };
    this.notifyWaiters();
  }

  protected override commonHeaders(reply: FakeReply): Record<string, string> {
    return { 'content-type': reply.raw !== undefined ? 'text/plain' : 'application/json; charset=UTF-8', 'x-fb-trace-id': 'FakeGraphTrace' };
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

  private answer(request: RecordedRequest, parsed: boolean): FakeReply {
    const parts = request.path.split('/').filter(Boolean);
    if (request.api === 'unknown' || !VERSION.test(parts[0] ?? '')) {
      return error(400, { message: `Unknown path components: ${request.path}`, type: 'OAuthException', code: 2500 });
    }

    const authFailure = request.api === 'messenger' ? this.checkMessengerToken(request.query) : this.checkBearer(request.headers);
    if (authFailure) return authFailure;

    const scripted = this.nextFailure((failure) => failure.api === undefined || failure.api === request.api);
    if (scripted) {
      if (scripted.rawBody !== undefined) return { status: scripted.status, body: scripted.rawBody, raw: scripted.rawBody, headers: scripted.headers };
      return { status: scripted.status, body: graphErrorBody(scripted.error ?? { message: 'Scripted failure', type: 'OAuthException', code: 1 }), headers: scripted.headers };
    }

    if (!parsed || !(request.headers['content-type'] ?? '').includes('application/json')) {
      return error(400, { message: '(#100) The request body must be JSON (content-type application/json)', type: 'OAuthException', code: 100 });
    }
    return request.api === 'messenger' ? this.sendApi(request.body) : this.cloudApi(parts[1]!, request.body);
  }

  private checkMessengerToken(query: Record<string, string>): FakeReply | undefined {
    const token = query.access_token;
    if (!token) return error(400, { message: 'An access token is required to request this resource.', type: 'OAuthException', code: 104 });
    if (!sameSecret(token, this.messengerToken)) return error(400, { message: 'Invalid OAuth access token - Cannot parse access token', type: 'OAuthException', code: 190 });
    return undefined;
  }

  private checkBearer(headers: Record<string, string>): FakeReply | undefined {
    const match = /^Bearer\s+(.+)$/i.exec(headers.authorization ?? '');
    if (!match || !sameSecret(match[1]!.trim(), this.whatsappToken)) {
      return error(401, { message: 'Invalid OAuth access token - Cannot parse access token', type: 'OAuthException', code: 190 });
    }
    return undefined;
  }

  private sendApi(body: unknown): FakeReply {
    const invalid = validateSendApiBody(body);
    if (invalid) return error(400, invalid);
    const request = body as { recipient: { id: string }; sender_action?: string };
    if (request.sender_action) return { status: 200, body: { recipient_id: request.recipient.id } };
    this.sequence += 1;
    return { status: 200, body: { recipient_id: request.recipient.id, message_id: `m_fake${String(this.sequence).padStart(6, '0')}` } };
  }

  private cloudApi(phoneNumberId: string, body: unknown): FakeReply {
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

function error(status: number, graphError: GraphError): FakeReply {
  return { status, body: graphErrorBody(graphError) };
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
