import { randomUUID } from 'node:crypto';
import { All, Controller, Inject, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { MalformedPayloadError, reasonOf, type ChannelAdapter, type WebhookReply, type WebhookRequest } from '@omni/channel-sdk';
import { channelSlug } from '@omni/contracts';
import { EventPublisher, LOGGER, ProduceBatcherClosedError, ProduceQueueFullError, RecordTooLargeError } from '@omni/messaging';
import { Metrics, type Logger } from '@omni/observability';
import { Public, sendProblem } from '@omni/service-kit';
import { rawRecordEnvelope } from './raw-record';
import { CHANNEL_ADAPTER, GATEWAY_OPTIONS, type GatewayOptions } from './tokens';

/** Request headers kept on the raw record: useful for replay and debugging, never secrets. */
const KEPT_HEADERS = ['content-type', 'user-agent', 'x-request-id', 'i-twilio-idempotency-token'];

const DEFAULT_ACK: WebhookReply = { status: 200, contentType: 'text/plain', body: 'EVENT_RECEIVED' };

/** Seconds a provider is asked to wait when Kafka cannot take the record right now. */
const RETRY_AFTER_SECONDS = '1';

type OutcomeCounter = ReturnType<Metrics['counter']>;

/**
 * Writes a channel's reply as express's `send` would write a string (the type with charset=utf-8,
 * the length), without what `send` adds on every webhook: a hash of the body for an ETag no
 * provider reads, and a second look-up of the type.
 */
function writeReply(res: Response, reply: WebhookReply): void {
  const body = Buffer.from(reply.body, 'utf8');
  const type = /;\s*charset=/i.test(reply.contentType) ? reply.contentType : `${reply.contentType}; charset=utf-8`;
  res.writeHead(reply.status, { 'content-type': type, 'content-length': body.length });
  res.end(body);
}

/**
 * Hosts a channel's webhooks: handshake (GET), then for POST: verify the signature over the raw
 * bytes (401/403), check the shape (400 problem+json), write the raw record to
 * omni.inbound.raw.v1 and answer 2xx only once Kafka acknowledged it (acks=all). Nothing reaches
 * Kafka before it is verified; nothing is acknowledged before it is durable. When the gateway
 * cannot take more records right now (produce queue full, shutting down) it answers 503 with
 * Retry-After, so the provider redelivers.
 */
// Providers can't send bearer tokens: each webhook is authenticated by its channel's signature.
@Public()
@Controller('webhooks')
export class WebhookController {
  private readonly counter: OutcomeCounter;
  /** Bound counter children per outcome: no label hashing per request. */
  private readonly outcomes = new Map<string, { inc(): void }>();
  private readonly source: string;

  constructor(
    @Inject(CHANNEL_ADAPTER) private readonly adapter: ChannelAdapter,
    @Inject(GATEWAY_OPTIONS) private readonly options: GatewayOptions,
    private readonly publisher: EventPublisher,
    metrics: Metrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.counter = metrics.counter('omni_webhooks_total', 'Webhook requests by outcome', ['channel', 'outcome']);
    this.source = `omni/gateway-${channelSlug(adapter.channel)}`;
  }

  @ApiExcludeEndpoint()
  @All('*path')
  async receive(@Req() req: Request, @Res() res: Response): Promise<void> {
    const path = req.path.replace(/\/+$/, '');
    if (!this.adapter.webhookPaths.includes(path)) {
      this.count('unknown_path');
      return sendProblem(res, req, { status: 404, title: 'Not found', detail: `no webhook at ${path}` });
    }
    const request = this.toWebhookRequest(req, path);

    if (req.method === 'GET') {
      const reply = this.adapter.handshake?.(request);
      if (!reply) {
        this.count('no_handshake');
        return sendProblem(res, req, { status: 405, title: 'Method not allowed', detail: `${path} takes POST` });
      }
      this.count(reply.status < 300 ? 'handshake_ok' : 'handshake_refused');
      writeReply(res, reply);
      return;
    }
    if (req.method !== 'POST') {
      return sendProblem(res, req, { status: 405, title: 'Method not allowed', detail: `${path} takes GET and POST` });
    }

    const verification = this.adapter.verify(request);
    if (!verification.ok) {
      this.count('bad_signature');
      this.logger.warn({ channel: this.adapter.slug, path, status: verification.status, reason: verification.reason }, 'webhook refused');
      return sendProblem(res, req, { status: verification.status, title: 'Invalid signature', detail: verification.reason });
    }

    let envelope;
    try {
      envelope = this.adapter.inspect(request);
    } catch (err) {
      this.count('malformed');
      if (!(err instanceof MalformedPayloadError)) {
        // inspect is a structural look at a verified body: if it throws, the body is not a shape it
        // can read, which is the provider's 400, never our 500 (a retried 500 would come back).
        this.logger.warn({ channel: this.adapter.slug, path, error: reasonOf(err) }, 'inspect failed on a verified body, refused as malformed');
        return sendProblem(res, req, { status: 400, title: 'Malformed payload', detail: 'the body is not a shape this channel can read' });
      }
      return sendProblem(res, req, {
        status: 400,
        title: 'Malformed payload',
        detail: err.message,
        ...(err.field ? { errors: [{ field: err.field, message: err.message }] } : {}),
      });
    }

    const id = randomUUID();
    const receivedAt = new Date();
    const kept: Record<string, string> = {};
    for (const name of KEPT_HEADERS) {
      const value = request.headers[name];
      if (value) kept[name] = value;
    }
    const record = rawRecordEnvelope(
      `${this.adapter.slug}:${envelope.accountId}:${envelope.threadKey}`,
      {
        id,
        channel: this.adapter.channel,
        receivedAt,
        body: request.rawBody,
        contentType: request.headers['content-type'] ?? '',
        webhookPath: path,
        headers: kept,
        accountId: envelope.accountId,
        threadKey: envelope.threadKey,
      },
      this.source,
    );
    try {
      await this.publisher.publishEnvelopes([record]);
    } catch (err) {
      if (err instanceof RecordTooLargeError) {
        // Within the body limit but not within a record once wrapped: refused for good, not retried.
        this.count('too_large');
        return sendProblem(res, req, { status: 413, title: 'Payload too large', detail: err.message });
      }
      if (!(err instanceof ProduceQueueFullError || err instanceof ProduceBatcherClosedError)) throw err;
      this.count('unavailable');
      this.logger.warn({ channel: this.adapter.slug, path, reason: err.message }, 'webhook not accepted now, provider asked to retry');
      res.setHeader('retry-after', RETRY_AFTER_SECONDS);
      return sendProblem(res, req, { status: 503, title: 'Service unavailable', detail: err.message });
    }
    this.count('accepted');
    // Per-webhook line at debug: omni_webhooks_total counts acceptances, the trace has the rest.
    this.logger.debug({ channel: this.adapter.slug, rawId: id, bytes: request.rawBody.length }, 'webhook accepted');
    // The record is durable: whatever acknowledge thinks of the body, the provider gets its 2xx.
    let reply = DEFAULT_ACK;
    try {
      reply = this.adapter.acknowledge?.(request) ?? DEFAULT_ACK;
    } catch (err) {
      this.logger.warn({ channel: this.adapter.slug, rawId: id, error: reasonOf(err) }, 'acknowledge failed, answering the default acknowledgement');
    }
    writeReply(res, reply);
  }

  private count(outcome: string): void {
    let child = this.outcomes.get(outcome);
    if (!child) {
      child = this.counter.labels({ channel: this.adapter.slug, outcome });
      this.outcomes.set(outcome, child);
    }
    child.inc();
  }

  private toWebhookRequest(req: Request, path: string): WebhookRequest {
    const headers: Record<string, string | undefined> = {};
    const source = req.headers;
    for (const name in source) {
      const value = source[name];
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
    }
    const queryAt = req.originalUrl.indexOf('?');
    const query = queryAt >= 0 ? req.originalUrl.slice(queryAt) : '';
    const base = this.options.publicBaseUrl?.replace(/\/+$/, '') ?? `${(headers['x-forwarded-proto'] ?? req.protocol).split(',')[0]}://${headers['x-forwarded-host'] ?? headers.host}`;
    return {
      method: req.method as 'GET' | 'POST',
      path,
      // The path as received (a trailing slash kept): Twilio signs the URL configured at Twilio.
      url: `${base}${req.path}${query}`,
      query: queryAt >= 0 ? (req.query as WebhookRequest['query']) : {},
      headers,
      rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
    };
  }
}

