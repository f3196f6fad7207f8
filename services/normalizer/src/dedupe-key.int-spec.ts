import { randomUUID } from 'node:crypto';
import { Topics } from '@omni/contracts';
import { genericPlan, scansOf } from '@omni/testing';
import { storedOfSql } from './domain/batch-dedupe';
import { alreadyStoredSql } from './domain/rows';
import { raw, startRig, uniqueDigits, type Rig } from './testing/rig';

/**
 * The normalizer deduplicates messages on the channel adapter's dedupe key (real Kafka and
 * PostgreSQL): Telegram message ids repeat across bots, so two bots' messages with the same id
 * are two messages, while a redelivery to the same bot is one. Rows stored before keys were kept
 * are still recognised by provider id.
 */
describe('normalizer: dedupe on the adapter key (real Kafka + PostgreSQL)', () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig();
  }, 60_000);

  afterAll(async () => {
    await rig?.stop();
  }, 30_000);

  const rows = (chatId: string) =>
    rig.query<{ provider_message_id: string; dedupe_key: string }>(
      `SELECT provider_message_id, dedupe_key FROM normalizer.messages WHERE channel = 'telegram' AND dedupe_key LIKE '%:' || $1 || ':%' ORDER BY dedupe_key`,
      [chatId],
    );

  it('keeps one message per redelivery, and one per bot for the same Telegram message id', async () => {
    const chatId = `55${uniqueDigits(8)}`;
    const [botA, botB] = [`7${uniqueDigits(9)}`, `8${uniqueDigits(9)}`];
    const now = Date.now() - 1_000;
    await rig.send(raw.telegramText(botA, chatId, 17, 'hello bot A', now));
    await rig.send(raw.telegramText(botA, chatId, 17, 'hello bot A', now)); // Telegram's retry
    await rig.send(raw.telegramText(botB, chatId, 17, 'hello bot B', now));
    // Same record key as the retry (same bot and chat): once this is through, so is the retry.
    await rig.send(raw.telegramText(botA, chatId, 18, 'sentinel', now));
    await rig.tap.waitFor(Topics.messageNormalized, (m) => m.providerMessageId === `${botA}:${chatId}:18`);
    await rig.tap.waitFor(Topics.messageNormalized, (m) => m.providerMessageId === `${botB}:${chatId}:17`);
    expect(await rows(chatId)).toEqual([
      { provider_message_id: `${botA}:${chatId}:17`, dedupe_key: `${botA}:${chatId}:17` },
      { provider_message_id: `${botA}:${chatId}:18`, dedupe_key: `${botA}:${chatId}:18` },
      { provider_message_id: `${botB}:${chatId}:17`, dedupe_key: `${botB}:${chatId}:17` },
    ]);
    expect(rig.tap.all(Topics.messageNormalized).filter((m) => m.value.providerMessageId === `${botA}:${chatId}:17`)).toHaveLength(1);
  });

  it('still recognises a redelivery of a message stored before dedupe keys were kept', async () => {
    const waId = `336${uniqueDigits(8)}`;
    const wamid = `wamid.legacy.${randomUUID()}`;
    const sentinel = `wamid.legacy-next.${randomUUID()}`;
    await rig.send(raw.whatsappText(waId, wamid, 'first', Date.now() - 2_000));
    await rig.tap.waitFor(Topics.messageNormalized, (m) => m.providerMessageId === wamid);
    await rig.query(`UPDATE normalizer.messages SET dedupe_key = NULL WHERE channel = 'whatsapp' AND provider_message_id = $1`, [wamid]);
    await rig.send(raw.whatsappText(waId, wamid, 'first', Date.now() - 2_000));
    await rig.send(raw.whatsappText(waId, sentinel, 'second', Date.now() - 1_000));
    await rig.tap.waitFor(Topics.messageNormalized, (m) => m.providerMessageId === sentinel);
    const [count] = await rig.query<{ n: string }>(`SELECT count(*) AS n FROM normalizer.messages WHERE channel = 'whatsapp' AND provider_message_id = $1`, [wamid]);
    expect(count!.n).toBe('1');
    expect(rig.tap.all(Topics.messageNormalized).filter((m) => m.value.providerMessageId === wamid)).toHaveLength(1);
  });

  it('gives a redelivered STOP the same consent event id, so consumers act on it once', async () => {
    const phone = `+1555${uniqueDigits(7)}`;
    const sid = `SM${randomUUID().replace(/-/g, '')}`;
    await rig.send(raw.smsText(phone, sid, 'STOP'));
    await rig.send(raw.smsText(phone, sid, 'STOP')); // Twilio's retry: a new raw record
    const sentinel = `SM${randomUUID().replace(/-/g, '')}`;
    await rig.send(raw.smsText(phone, sentinel, 'START'));
    await rig.tap.waitFor(Topics.consentChanged, (c) => c.providerMessageId === sentinel);
    const stops = rig.tap.all(Topics.consentChanged).filter((c) => c.value.providerMessageId === sid);
    expect(stops.length).toBeGreaterThanOrEqual(1);
    expect(new Set(stops.map((c) => c.value.id)).size).toBe(1);
    expect(new Set(stops.map((c) => c.headers.ce_id)).size).toBe(1);
  });

  it('deduplicates a batch as a whole: a retry of a stored message, and a retry inside the batch, are each stored once', async () => {
    const waId = `336${uniqueDigits(8)}`;
    const [stored, fresh, other] = ['stored', 'fresh', 'other'].map((n) => `wamid.batch-${n}.${randomUUID()}`);
    const t = Date.now() - 5_000;
    await rig.send(raw.whatsappText(waId, stored!, 'first', t));
    await rig.tap.waitFor(Topics.messageNormalized, (m) => m.providerMessageId === stored);
    const batchesBefore = await rig.rawBatches();
    // One produce request, one record key: the normalizer takes the five in one batch.
    await rig.sendAll([
      raw.whatsappText(waId, stored!, 'first', t), // WhatsApp's retry of a stored message
      raw.whatsappText(waId, fresh!, 'second', t + 1_000),
      raw.whatsappText(waId, fresh!, 'second', t + 1_000), // its retry, in the same batch
      raw.whatsappText(waId, other!, 'third', t + 2_000),
      raw.whatsappText(waId, other!, 'third', t + 2_000),
    ]);
    await rig.tap.waitFor(Topics.messageNormalized, (m) => m.providerMessageId === other);
    const counts = await rig.query<{ provider_message_id: string; n: number }>(
      `SELECT provider_message_id, count(*)::int AS n FROM normalizer.messages WHERE channel = 'whatsapp' AND provider_message_id = ANY($1::text[]) GROUP BY 1 ORDER BY 1`,
      [[stored, fresh, other]],
    );
    expect(Object.fromEntries(counts.map((c) => [c.provider_message_id, c.n]))).toEqual({ [stored!]: 1, [fresh!]: 1, [other!]: 1 });
    for (const id of [stored, fresh, other]) expect(rig.tap.all(Topics.messageNormalized).filter((m) => m.value.providerMessageId === id)).toHaveLength(1);
    // The five came as one batch (records > batches), and that batch applied in its shared
    // transaction: the batch-wide dedupe did the work, not the record-by-record replay.
    const after = await rig.rawBatches();
    expect(after.records - batchesBefore.records).toBeGreaterThan(after.batches - batchesBefore.batches);
    expect(after.replays).toBe(batchesBefore.replays);
  });

  it('looks a whole batch up through the two unique indexes in the plan PostgreSQL caches for it', async () => {
    const plan = await genericPlan(
      (sql, params) => rig.query(sql, params),
      storedOfSql('normalizer'),
      ['text[]', 'text[]', 'text[]', 'text[]', 'text[]'],
      ["'{sms}'", "'{SM1}'", "'{erased:1}'", "'{k1}'", "'{erased:2}'"],
    );
    expect(scansOf(plan, 'messages').sort()).toEqual(['Index Only Scan', 'Index Only Scan']);
  });

  it("checks for a stored message through the two unique indexes in the plan PostgreSQL caches for it", async () => {
    // The statement runs prepared: after a few calls PostgreSQL keeps one plan for any parameters.
    // The former single OR got a scan of every message of the channel there.
    const plan = await genericPlan((sql, params) => rig.query(sql, params), alreadyStoredSql('normalizer'), ['text', 'text[]', 'text[]'], ["'sms'", "'{SM1}'", "'{k1}'"]);
    expect(scansOf(plan, 'messages').sort()).toEqual(['Index Only Scan', 'Index Only Scan']);
  });
});
