import { createHash } from 'node:crypto';
import { countSegments } from '@omni/channel-sms';
import { baseRecord, FakeHttpServer, type FakeReply, type IncomingFakeRequest, type RecordedRequestBase } from '../fake-http-server';
import { inboundSmsForm, statusCallbackForm, twilioRequestSignature, type InboundSmsInit, type StatusCallbackInit } from './webhooks';

export interface FakeTwilioApiOptions {
  accountSid: string;
  authToken: string;
  /** Clock for date_created (epoch ms). Default Date.now. */
  now?: () => number;
}

export interface RecordedTwilioRequest extends RecordedRequestBase {
  /** Form fields in order, repeated names kept (MediaUrl). */
  form: Array<[string, string]>;
  /** First value of each form field, for quick assertions. */
  body: Record<string, string>;
}

/** A message the fake accepted, as Twilio stores it. */
export interface FakeTwilioMessage {
  sid: string;
  to: string;
  from: string | null;
  messagingServiceSid: string | null;
  body: string;
  mediaUrls: string[];
  statusCallback?: string;
  numSegments: number;
}

/** Scripted failures in Twilio's REST error shape `{code, message, more_info, status}`. */
export type TwilioFailure =
  | { kind: 'opted-out' } // 21610
  | { kind: 'invalid-to' } // 21211
  | { kind: 'rate-limited' } // 20429
  | { kind: 'server-error' } // 500 / 20500
  | { kind: 'custom'; status: number; code: number; message: string };

type Reply = FakeReply;

const E164 = /^\+[1-9]\d{1,14}$/;

function restError(status: number, code: number, message: string): Reply {
  return { status, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status } };
}

/**
 * A fake Twilio Programmable Messaging API over real HTTP on 127.0.0.1: HTTP Basic auth
 * (AccountSid:AuthToken), `POST /2010-04-01/Accounts/{sid}/Messages.json` validated like Twilio
 * (docs/channels/sms.md), 201 answers with the real resource shape, scripted failures, a record
 * of every request, and signed inbound / status-callback webhooks towards a gateway.
 */
export class FakeTwilioApi extends FakeHttpServer<TwilioFailure, RecordedTwilioRequest> {
  readonly messages: FakeTwilioMessage[] = [];
  private sequence = 0;
  private readonly now: () => number;

  constructor(private readonly options: FakeTwilioApiOptions) {
    super('FakeTwilioApi');
    this.now = options.now ?? Date.now;
  }

  /** Forget recorded requests, accepted messages and scripted failures. */
  override reset(): void {
    super.reset();
    this.messages.length = 0;
  }

  /** A Twilio-looking 34-character SID, deterministic per fake instance. */
  nextSid(prefix: 'SM' | 'MM'): string {
    this.sequence += 1;
    return prefix + createHash('sha256').update(`${this.options.accountSid}:${this.sequence}`).digest('hex').slice(0, 32);
  }

  // ------------------------------------------------------------------------------------------
  // Webhooks towards the gateway
  // ------------------------------------------------------------------------------------------

  /**
   * POST a signed form to `targetUrl`. Twilio signs the URL it was configured with, which behind a
   * proxy is not the one the gateway listens on: pass it as `publicUrl` (default: targetUrl).
   */
  async postSignedForm(
    targetUrl: string,
    form: Array<[string, string]>,
    options: { publicUrl?: string; authToken?: string; signature?: string } = {},
  ): Promise<{ status: number; headers: Record<string, string>; body: string }> {
    const signature = options.signature ?? twilioRequestSignature(options.authToken ?? this.options.authToken, options.publicUrl ?? targetUrl, form);
    const response = await fetch(targetUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature, 'user-agent': 'TwilioProxy/1.1 (omni fake)', 'i-twilio-idempotency-token': this.nextSid('SM') },
      body: new URLSearchParams(form).toString(),
    });
    return { status: response.status, headers: Object.fromEntries(response.headers.entries()), body: await response.text() };
  }

  /** An inbound SMS/MMS from a customer, as Twilio posts it to the number's webhook. */
  async sendInboundMessage(targetUrl: string, init: InboundSmsInit, options: { publicUrl?: string; authToken?: string } = {}) {
    const messageSid = init.messageSid ?? this.nextSid(init.media?.length ? 'MM' : 'SM');
    const response = await this.postSignedForm(targetUrl, inboundSmsForm(this.options.accountSid, { ...init, messageSid }), options);
    return { ...response, messageSid };
  }

  /** A status callback for any message. */
  async sendStatusCallback(targetUrl: string, init: StatusCallbackInit, options: { publicUrl?: string; authToken?: string } = {}) {
    return this.postSignedForm(targetUrl, statusCallbackForm(this.options.accountSid, init), options);
  }

  /**
   * Report a status for a message the fake accepted, to the StatusCallback it was sent with
   * (signed over that public URL). `deliverTo` is where to actually POST when the public URL is
   * not reachable from the test (a gateway on localhost behind an imaginary proxy).
   */
  async deliverStatus(messageSid: string, status: string, options: { errorCode?: string | number; deliverTo?: string } = {}) {
    const message = this.messages.find((m) => m.sid === messageSid);
    if (!message) throw new Error(`FakeTwilioApi has no message ${messageSid}`);
    if (!message.statusCallback) throw new Error(`message ${messageSid} was sent without StatusCallback`);
    const init: StatusCallbackInit = { messageSid, status, from: message.from ?? '', to: message.to, errorCode: options.errorCode };
    return this.sendStatusCallback(options.deliverTo ?? message.statusCallback, init, { publicUrl: message.statusCallback });
  }

  // ------------------------------------------------------------------------------------------
  // The API
  // ------------------------------------------------------------------------------------------

  protected record(request: IncomingFakeRequest): RecordedTwilioRequest {
    const body: Record<string, string> = {};
    for (const [k, v] of request.form) if (!(k in body)) body[k] = v;
    return { ...baseRecord(request), form: request.form, body };
  }

  protected respond(request: IncomingFakeRequest, recorded: RecordedTwilioRequest): Reply {
    const isForm = request.contentType.startsWith('application/x-www-form-urlencoded');
    return this.authenticate(request.headers['authorization']) ?? this.scriptedFailure() ?? this.route(recorded, isForm);
  }

  protected override commonHeaders(): Record<string, string> {
    return { 'twilio-request-id': `RQ${this.nextSid('SM').slice(2)}` };
  }

  private authenticate(header: string | undefined): Reply | undefined {
    const expected = `Basic ${Buffer.from(`${this.options.accountSid}:${this.options.authToken}`).toString('base64')}`;
    if (header === expected) return undefined;
    return { ...restError(401, 20003, 'Authenticate'), headers: { 'www-authenticate': 'Basic realm="Twilio API"' } };
  }

  private scriptedFailure(): Reply | undefined {
    const failure = this.nextFailure();
    if (!failure) return undefined;
    switch (failure.kind) {
      case 'opted-out':
        return restError(400, 21610, 'Attempt to send to unsubscribed recipient');
      case 'invalid-to':
        return restError(400, 21211, "Invalid 'To' Phone Number");
      case 'rate-limited':
        return restError(429, 20429, 'Too Many Requests');
      case 'server-error':
        return restError(500, 20500, 'Internal Server Error');
      case 'custom':
        return restError(failure.status, failure.code, failure.message);
    }
  }

  private route(request: RecordedTwilioRequest, isForm: boolean): Reply {
    const send = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\.json$/.exec(request.path);
    const fetchOne = /^\/2010-04-01\/Accounts\/([^/]+)\/Messages\/([^/]+)\.json$/.exec(request.path);
    const accountSid = (send ?? fetchOne)?.[1];
    if (accountSid !== undefined && accountSid !== this.options.accountSid) {
      return restError(404, 20404, `The requested resource ${request.path} was not found`);
    }
    if (send && request.method === 'POST') return this.createMessage(request, isForm);
    if (fetchOne && request.method === 'GET') {
      const message = this.messages.find((m) => m.sid === fetchOne[2]);
      return message ? { status: 200, body: this.resource(message, 'queued') } : restError(404, 20404, `The requested resource ${request.path} was not found`);
    }
    return restError(404, 20404, `The requested resource ${request.path} was not found`);
  }

  /** Validation in the order Twilio reports it, with its codes (Body > 1,600 → 21617 UNVERIFIED wording). */
  private createMessage(request: RecordedTwilioRequest, isForm: boolean): Reply {
    if (!isForm) return restError(400, 20001, 'Content-Type must be application/x-www-form-urlencoded');
    const { body, form } = request;
    const mediaUrls = form.filter(([k]) => k === 'MediaUrl').map(([, v]) => v);
    if (!body['To']) return restError(400, 21604, "A 'To' phone number is required.");
    if (!E164.test(body['To'])) return restError(400, 21211, "Invalid 'To' Phone Number");
    if (!body['From'] && !body['MessagingServiceSid']) return restError(400, 21603, "A 'From' phone number is required.");
    if (body['From'] && !E164.test(body['From']) && !/^[A-Za-z0-9 ]{1,11}$/.test(body['From'])) return restError(400, 21212, "Invalid 'From' Phone Number");
    if (body['MessagingServiceSid'] && !/^MG[0-9a-f]{32}$/.test(body['MessagingServiceSid'])) return restError(400, 21701, 'The Messaging Service Sid is invalid.');
    if (!body['Body'] && mediaUrls.length === 0) return restError(400, 21602, 'Message body is required.');
    if (Array.from(body['Body'] ?? '').length > 1600) return restError(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    if (mediaUrls.length > 10) return restError(400, 21623, 'Number of media files exceeds allowed limit'); // code UNVERIFIED
    if (mediaUrls.some((u) => !/^https?:\/\//.test(u))) return restError(400, 21620, 'Invalid media URL(s)');
    if (body['StatusCallback'] !== undefined && !/^https?:\/\/[^\s]+$/.test(body['StatusCallback'])) return restError(400, 21609, 'Invalid StatusCallback url');

    const message: FakeTwilioMessage = {
      sid: this.nextSid(mediaUrls.length ? 'MM' : 'SM'),
      to: body['To'],
      from: body['From'] ?? null,
      messagingServiceSid: body['MessagingServiceSid'] ?? null,
      body: body['Body'] ?? '',
      mediaUrls,
      statusCallback: body['StatusCallback'],
      numSegments: Math.max(1, countSegments(body['Body'] ?? '').segments),
    };
    this.messages.push(message);
    // Through a Messaging Service without a From, Twilio answers "accepted" and picks the sender later.
    return { status: 201, body: this.resource(message, message.from ? 'queued' : 'accepted') };
  }

  private resource(message: FakeTwilioMessage, status: string): Record<string, unknown> {
    const date = new Date(this.now()).toUTCString().replace('GMT', '+0000');
    const uri = `/2010-04-01/Accounts/${this.options.accountSid}/Messages/${message.sid}.json`;
    return {
      account_sid: this.options.accountSid,
      api_version: '2010-04-01',
      body: message.body,
      date_created: date,
      date_sent: null,
      date_updated: date,
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from: message.from,
      messaging_service_sid: message.messagingServiceSid,
      num_media: String(message.mediaUrls.length),
      num_segments: String(message.numSegments),
      price: null,
      price_unit: 'USD',
      sid: message.sid,
      status,
      subresource_uris: { media: uri.replace('.json', '/Media.json') },
      to: message.to,
      uri,
    };
  }
}
