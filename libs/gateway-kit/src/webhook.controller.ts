import { randomUUID } from 'node:crypto';
import { All, Controller, Inject, Req, Res } from '@nestjs/common';
import { ApiExcludeEndpoint } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { MalformedPayloadError, type ChannelAdapter, type WebhookRequest } from '@omni/channel-sdk';
import { channelSlug, create, RawInboundSchema, timestampFromDate, Topics } from '@omni/contracts';
import { EventPublisher, LOGGER } from '@omni/messaging';
import { Metrics, type Logger } from '@omni/observability';
import { sendProblem } from '@omni/service-kit';
import { CHANNEL_ADAPTER, GATEWAY_OPTIONS, type GatewayOptions } from './tokens';

/** Request headers kept on the raw record: useful for replay and debugging, never secrets. */
const KEPT_HEADERS = ['content-type', 'user-agent', 'x-request-id', 'i-twilio-idempotency-token'];

/**
 * Hosts a channel's webhooks: handshake (GET), then for POST: verify the signature over the raw
 * bytes (401/403), check the shape (400 problem+json), write the raw record to
 * omni.inbound.raw.v1 and answer 2xx only once Kafka acknowledged it (acks=all). Nothing reaches
 * Kafka before it is verified; nothing is acknowledged before it is durable.
 */
@Controller('webhooks')
export class WebhookController {
  constructor(
    @Inject(CHANNEL_ADAPTER) private readonly adapter: ChannelAdapter,
    @Inject(GATEWAY_OPTIONS) private readonly options: GatewayOptions,
    private readonly publisher: EventPublisher,
    private readonly metrics: Metrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  @ApiExcludeEndpoint()
  @All('*path')
  async receive(@Req() req: Request, @Res() res: Response): Promise<void> {
    const path = req.path.replace(/\/+$/, '');
    const counter = this.metrics.counter('omni_webhooks_total', 'Webhook requests by outcome', ['channel', 'outcome']);
    const count = (outcome: string) => counter.inc({ channel: this.adapter.slug, outcome });
    if (!this.adapter.webhookPaths.includes(path)) {
      count('unknown_path');
      return sendProblem(res, req, { status: 404, title: 'Not found', detail: `no webhook at ${path}` });
    }
    const request = this.toWebhookRequest(req, path);

    if (req.method === 'GET') {
      const reply = this.adapter.handshake?.(request);
      if (!reply) {
        count('no_handshake');
        return sendProblem(res, req, { status: 405, title: 'Method not allowed', detail: `${path} takes POST` });
      }
      count(reply.status < 300 ? 'handshake_ok' : 'handshake_refused');
      res.status(reply.status).type(reply.contentType).send(reply.body);
      return;
    }
    if (req.method !== 'POST') {
      return sendProblem(res, req, { status: 405, title: 'Method not allowed', detail: `${path} takes GET and POST` });
    }

    const verification = this.adapter.verify(request);
    if (!verification.ok) {
      count('bad_signature');
      this.logger.warn({ channel: this.adapter.slug, path, status: verification.status, reason: verification.reason }, 'webhook refused');
      return sendProblem(res, req, { status: verification.status, title: 'Invalid signature', detail: verification.reason });
    }

    let envelope;
    try {
      envelope = this.adapter.inspect(request);
    } catch (err) {
      if (!(err instanceof MalformedPayloadError)) throw err;
      count('malformed');
      return sendProblem(res, req, {
        status: 400,
        title: 'Malformed payload',
        detail: err.message,
        ...(err.field ? { errors: [{ field: err.field, message: err.message }] } : {}),
      });
    }

    const id = randomUUID();
    const receivedAt = new Date();
    await this.publisher.publish(
      Topics.inboundRaw,
      `${this.adapter.slug}:${envelope.accountId}:${envelope.threadKey}`,
      create(RawInboundSchema, {
        id,
        channel: this.adapter.channel,
        receivedAt: timestampFromDate(receivedAt),
        body: request.rawBody,
        contentType: request.headers['content-type'] ?? '',
        webhookPath: path,
        headers: Object.fromEntries(KEPT_HEADERS.filter((h) => request.headers[h]).map((h) => [h, request.headers[h]!])),
        accountId: envelope.accountId,
        threadKey: envelope.threadKey,
      }),
      { id, time: receivedAt, source: `omni/gateway-${channelSlug(this.adapter.channel)}` },
    );
    count('accepted');
    this.logger.info({ channel: this.adapter.slug, rawId: id, bytes: request.rawBody.length }, 'webhook accepted');
    const reply = this.adapter.acknowledge?.(request) ?? { status: 200, contentType: 'text/plain', body: 'EVENT_RECEIVED' };
    res.status(reply.status).type(reply.contentType).send(reply.body);
  }

  private toWebhookRequest(req: Request, path: string): WebhookRequest {
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(req.headers)) headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
    const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
    const base = this.options.publicBaseUrl?.replace(/\/+$/, '') ?? `${(headers['x-forwarded-proto'] ?? req.protocol).split(',')[0]}://${headers['x-forwarded-host'] ?? headers.host}`;
    return {
      method: req.method as 'GET' | 'POST',
      path,
      url: `${base}${path}${query}`,
      query: req.query as WebhookRequest['query'],
      headers,
      rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
    };
  }
}
