import { randomUUID } from 'node:crypto';
import { Topics } from '@omni/contracts';
import { statementsDuring, waitFor } from '@omni/testing';
import { raw, startRig, uniqueDigits, type Rig } from './testing/rig';

/**
 * A consumed batch's first-time customers (real Kafka and PostgreSQL): their contacts are written
 * together, not one statement each, and every message still lands in its own customer's
 * conversation, a customer's second message in the batch included.
 */
describe("normalizer: a batch's first-time customers (real Kafka + PostgreSQL)", () => {
  let rig: Rig;

  beforeAll(async () => {
    rig = await startRig();
  }, 60_000);

  afterAll(async () => {
    await rig?.stop();
  }, 30_000);

  it('creates their contacts in one statement per batch, and files each message with its own customer', async () => {
    const customers = Array.from({ length: 6 }, () => `9${uniqueDigits(15)}`);
    const mids = customers.map(() => `m.${randomUUID()}`);
    const again = `m.${randomUUID()}`;
    const t = Date.now() - 5_000;
    const before = await rig.rawBatches();
    const sql = await statementsDuring(async () => {
      // One produce request: the normalizer takes them as one batch per partition.
      await rig.sendAll([...customers.map((psid, i) => raw.messengerText(psid, mids[i]!, `hello ${i}`, t + i)), raw.messengerText(customers[0]!, again, 'me again', t + 10)]);
      const expected = [...mids, again];
      await waitFor(() => expected.every((mid) => rig.tap.all(Topics.messageNormalized).some((m) => m.value.providerMessageId === mid)), { description: 'all seven normalized', timeoutMs: 30_000 });
    });
    const after = await rig.rawBatches();
    // Applied in their batches' transactions, not replayed one by one.
    expect(after.replays).toBe(before.replays);
    const batches = after.batches - before.batches;
    const contactInserts = sql.filter((q) => /INSERT INTO "[^"]+"\.contacts/.test(q)).length;
    // One per batch at the commit, plus one where the first customer's second message needed theirs written.
    expect(contactInserts).toBeLessThanOrEqual(batches + 1);
    expect(contactInserts).toBeLessThan(customers.length);

    const filed = await rig.query<{ channel_user_id: string; contacts: number; conversations: number; messages: number }>(
      `SELECT i.channel_user_id, count(DISTINCT i.contact_id)::int AS contacts, count(DISTINCT m.conversation_id)::int AS conversations, count(m.id)::int AS messages
         FROM normalizer.identities i JOIN normalizer.messages m ON m.contact_id = i.contact_id
        WHERE i.channel = 'messenger' AND i.channel_user_id = ANY($1::text[]) GROUP BY 1`,
      [customers],
    );
    expect(Object.fromEntries(filed.map((r) => [r.channel_user_id, [r.contacts, r.conversations, r.messages]]))).toEqual(
      Object.fromEntries(customers.map((psid, i) => [psid, [1, 1, i === 0 ? 2 : 1]])),
    );
  });
});
