import { randomUUID } from 'node:crypto';
import {
  Channel,
  create,
  DeliveryState,
  MessageStatusSchema,
  OutboundApprovedSchema,
  timestampFromDate,
  Topics,
} from '@omni/contracts';
import { waitFor } from '@omni/testing';
import { drained, raw, startRig, uniqueDigits, WA_PHONE_NUMBER_ID, type RawSpec, type Rig } from './testing/rig';

/**
 * Canonical messages and receipts on real Kafka and PostgreSQL: keys, language, unsupported kinds,
 * provider retries, monotonic delivery states and the gateways' send results.
 */
describe('normalizer: messages and delivery status (real Kafka + PostgreSQL)', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig();
  }, 60_000);

  afterAll(async () => {
    await rig?.stop();
  }, 30_000);

  it('publishes omni.message.normalized.v1 keyed by conversation id, with the language detected and stored', async () => {
    const waId = `336${uniqueDigits(8)}`;
    const wamid = `wamid.lang.${randomUUID()}`;
    await rig.send(raw.whatsappText(waId, wamid, 'Bonjour, je voudrais savoir où est ma commande', Date.now() - 1_000));
    const normalized = await rig.tap.waitFor(Topics.messageNormalized, (m) => m.providerMessageId === wamid);
    expect(normalized.key).toBe(normalized.value.conversationId);
    expect(normalized.value.language).toBe('fr');
    expect(normalized.value.languageConfidence).toBeGreaterThan(0.8);
    expect(normalized.value.contactId).toMatch(/^[0-9a-f-]{36}$/);
    const [row] = await rig.query<{ language: string; language_confidence: number }>(
      'SELECT language, language_confidence FROM normalizer.messages WHERE channel = $1 AND provider_message_id = $2',
      ['whatsapp', wamid],
    );
    expect(row).toEqual({ language: 'fr', language_confidence: expect.closeTo(normalized.value.languageConfidence, 3) });
  });

  it('keeps a kind it cannot model as unsupported, publishes it and counts it in the metrics', async () => {
    const waId = `336${uniqueDigits(8)}`;
    const wamid = `wamid.hologram.${randomUUID()}`;
    await rig.send(raw.whatsappUnsupported(waId, wamid, Date.now() - 1_000));
    const normalized = await rig.tap.waitFor(Topics.messageNormalized, (m) => m.providerMessageId === wamid);
    expect(normalized.value.content?.kind.case).toBe('unsupported');
    expect(normalized.value.content?.kind.value).toMatchObject({ providerType: 'hologram' });
    const [row] = await rig.query<{ content_kind: string }>('SELECT content_kind FROM normalizer.messages WHERE provider_message_id = $1', [wamid]);
    expect(row!.content_kind).toBe('unsupported');
    const metrics = await (await fetch(`${rig.url}/metrics`)).text();
    expect(metrics).toMatch(/omni_normalizer_unsupported_total\{[^}]*channel="whatsapp"[^}]*provider_type="hologram"[^}]*\} [1-9]/);
  });

  it('stores a provider retry once: three raw records with one provider message id give one row and one event', async () => {
    const psid = uniqueDigits(16);
    const mid = `m_retry_${randomUUID()}`;
    const spec = raw.messengerText(psid, mid, 'Is the blue jacket in stock?', Date.now() - 1_000);
    const rawIds = [await rig.send(spec), await rig.send(spec), await rig.send(spec)];
    expect(new Set(rawIds).size).toBe(3);
    await drained(rig);
    await rig.tap.waitFor(Topics.messageNormalized, (m) => m.providerMessageId === mid);
    expect(await rig.query('SELECT count(*)::int AS n FROM normalizer.messages WHERE provider_message_id = $1', [mid])).toEqual([{ n: 1 }]);
    await waitFor(async () => (await rig.query<{ n: number }>('SELECT count(*)::int AS n FROM normalizer.outbox WHERE published_at IS NULL'))[0]!.n === 0, { description: 'outbox relayed' });
    expect(rig.tap.all(Topics.messageNormalized).filter((r) => r.value.providerMessageId === mid)).toHaveLength(1);
  });

  it('stores each message once while a second instance joins and leaves the consumer group mid-stream (rebalances)', async () => {
    const batch = Array.from({ length: 12 }, () => ({ psid: uniqueDigits(16), mid: `m_rebalance_${randomUUID()}` }));
    const sendAll = async (from: number, to: number) => {
      for (const { psid, mid } of batch.slice(from, to)) {
        const spec = raw.messengerText(psid, mid, 'Do you have it in blue?', Date.now() - 1_000);
        await Promise.all([rig.send(spec), rig.send(spec)]); // and a provider retry of each
      }
    };
    await sendAll(0, 4);
    const second = await rig.startInstance(); // joins the group: partitions move
    try {
      await sendAll(4, 8);
    } finally {
      await second.close(); // leaves it: they move back, in-flight records are redelivered
    }
    await sendAll(8, 12);
    await drained(rig);
    const mids = batch.map((b) => b.mid);
    expect(await rig.query('SELECT count(*)::int AS n FROM normalizer.messages WHERE provider_message_id = ANY($1)', [mids])).toEqual([{ n: batch.length }]);
    await waitFor(() => mids.every((mid) => rig.tap.all(Topics.messageNormalized).some((r) => r.value.providerMessageId === mid)), { description: 'every message published' });
    await waitFor(async () => (await rig.query<{ n: number }>('SELECT count(*)::int AS n FROM normalizer.outbox WHERE published_at IS NULL'))[0]!.n === 0, { description: 'outbox relayed' });
    for (const mid of mids) expect({ mid, events: rig.tap.all(Topics.messageNormalized).filter((r) => r.value.providerMessageId === mid).length }).toEqual({ mid, events: 1 });
  }, 90_000);

  it('ends an outbound message as read when its read receipt comes before the delivery receipt, and attaches receipts to what gateways sent', async () => {
    const waId = `336${uniqueDigits(8)}`;
    const inbound = `wamid.in.${randomUUID()}`;
    await rig.send(raw.whatsappText(waId, inbound, 'Hola, ¿mi pedido ya salió?', Date.now() - 60_000));
    const normalized = await rig.tap.waitFor(Topics.messageNormalized, (m) => m.providerMessageId === inbound);
    const conversationId = normalized.value.conversationId;

    // Omni replied: window-policy approved it, the gateway sent it and reported SENT with the wamid.
    const outboundId = randomUUID();
    const sentWamid = `wamid.out.${randomUUID()}`;
    await rig.publish(
      Topics.outboundApproved,
      conversationId,
      create(OutboundApprovedSchema, {
        id: randomUUID(),
        request: { id: outboundId, conversationId, channel: Channel.WHATSAPP, accountId: WA_PHONE_NUMBER_ID, recipient: { channelUserId: waId }, content: { text: 'Sí, salió ayer.' } },
      }),
      'window-policy',
    );
    await rig.publish(
      Topics.messageStatus,
      conversationId,
      create(MessageStatusSchema, { id: randomUUID(), channel: Channel.WHATSAPP, conversationId, outboundId, providerMessageId: sentWamid, state: DeliveryState.SENT, occurredAt: timestampFromDate(new Date()) }),
      'gateway-whatsapp',
    );
    await waitFor(async () => (await rig.query('SELECT 1 FROM normalizer.messages WHERE provider_message_id = $1', [sentWamid])).length === 1, { description: 'sent message registered' });

    await rig.send(raw.whatsappStatus(waId, sentWamid, 'read', Date.now() - 2_000, outboundId));
    await rig.send(raw.whatsappStatus(waId, sentWamid, 'delivered', Date.now() - 3_000, outboundId));
    await drained(rig);
    await waitFor(() => rig.tap.all(Topics.messageStatus).filter((r) => r.value.providerMessageId === sentWamid && r.headers.ce_source === 'omni/normalizer').length === 2, {
      description: 'both receipts republished',
    });
    for (const status of rig.tap.all(Topics.messageStatus).filter((r) => r.value.providerMessageId === sentWamid && r.headers.ce_source === 'omni/normalizer')) {
      expect(status.key).toBe(conversationId);
      expect(status.value.conversationId).toBe(conversationId);
    }
    expect(await rig.query('SELECT delivery_state FROM normalizer.messages WHERE provider_message_id = $1', [sentWamid])).toEqual([{ delivery_state: 'read' }]);

    // A receipt for a send whose SENT has not reached us yet is kept and applied when it does.
    const laterOutbound = randomUUID();
    const laterWamid = `wamid.out.${randomUUID()}`;
    await rig.send(raw.whatsappStatus(waId, laterWamid, 'delivered', Date.now() - 1_000, laterOutbound));
    const early = await rig.tap.waitFor(Topics.messageStatus, (s) => s.providerMessageId === laterWamid);
    expect(early.key).toBe(conversationId); // the customer's latest conversation
    await rig.publish(
      Topics.messageStatus,
      conversationId,
      create(MessageStatusSchema, { id: randomUUID(), channel: Channel.WHATSAPP, conversationId, outboundId: laterOutbound, providerMessageId: laterWamid, state: DeliveryState.SENT }),
      'gateway-whatsapp',
    );
    await waitFor(async () => (await rig.query('SELECT 1 FROM normalizer.messages WHERE provider_message_id = $1', [laterWamid])).length === 1, { description: 'second send registered' });

    const page = await rig.http('GET', `/conversations/${conversationId}/messages`);
    expect(page.status).toBe(200);
    expect(page.json.items.map((m: { direction: string; text: string | null; deliveryState: string | null; outboundId: string | null }) => [m.direction, m.text, m.deliveryState, m.outboundId])).toEqual([
      ['inbound', 'Hola, ¿mi pedido ya salió?', null, null],
      ['outbound', 'Sí, salió ayer.', 'read', outboundId],
      ['outbound', null, 'delivered', laterOutbound],
    ]);
    expect(await rig.query('SELECT count(*)::int AS n FROM normalizer.pending_receipts WHERE provider_message_id = $1', [laterWamid])).toEqual([{ n: 0 }]);
  });

  it('publishes receipts for provider ids it does not know, keyed by the customer thread', async () => {
    const stranger = `+1415${uniqueDigits(7)}`;
    const sid = `SM${randomUUID().replace(/-/g, '')}`;
    await rig.send(raw.smsStatus(stranger, sid, 'delivered'));
    const status = await rig.tap.waitFor(Topics.messageStatus, (s) => s.providerMessageId === sid);
    expect(status.key).toBe(`sms:+14155550100:${stranger}`);
    expect(status.value.state).toBe(DeliveryState.DELIVERED);
    expect(status.value.conversationId).toBe('');
  });

  /**
   * A customer's message, the page's answers 10 s and 30 s later (echoes), and the customer's read
   * watermark at 20 s, handed to `deliver` in that order; the delivery states of the two answers.
   */
  async function answersAfterWatermark(deliver: (specs: RawSpec[]) => Promise<unknown>): Promise<string[]> {
    const psid = uniqueDigits(16);
    const t0 = Date.now() - 120_000;
    const answers = [`m_echo_${randomUUID()}`, `m_echo_${randomUUID()}`];
    await deliver([
      raw.messengerText(psid, `m_in_${randomUUID()}`, 'Do you ship to Canada?', t0),
      raw.messengerEcho(psid, answers[0]!, 'Yes we do.', t0 + 10_000),
      raw.messengerEcho(psid, answers[1]!, 'Anything else?', t0 + 30_000),
      raw.messengerRead(psid, t0 + 20_000),
    ]);
    await drained(rig);
    const rows = await rig.query<{ delivery_state: string }>('SELECT delivery_state FROM normalizer.messages WHERE provider_message_id = ANY($1) ORDER BY occurred_at', [answers]);
    return rows.map((r) => r.delivery_state);
  }

  it('applies a Messenger read watermark to everything the page sent before it', async () => {
    const states = await answersAfterWatermark(async (specs) => {
      for (const spec of specs.slice(0, -1)) await rig.send(spec);
      await drained(rig);
      await rig.send(specs[specs.length - 1]!);
    });
    expect(states).toEqual(['read', 'sent']);
  });

  it('applies a read watermark to echoes stored earlier in the same batch', async () => {
    // One batch: the batch stores its messages together before it commits, so the receipt must
    // see the echoes written before it in the same transaction.
    expect(await answersAfterWatermark((specs) => rig.sendAll(specs))).toEqual(['read', 'sent']);
  });
});
