import type { EntityManager } from 'typeorm';
import { erasedProviderId } from './erasure';
import { lockMessageNames, lockNamesOf, type MessageKey } from './locks';
import { schemaOf } from './rows';

/**
 * Which of these messages are stored on their channel, possibly as erased tombstones: by provider
 * id or by dedupe key, one index probe per key and message ($1 channels, $2/$3 provider ids and
 * their erased forms, $4/$5 dedupe keys and theirs). Returns the 1-based positions found.
 * dedupe-key.int-spec pins its generic plan to index scans.
 */
export function storedOfSql(schema: string): string {
  return `SELECT k.i::int AS i FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS k(channel, pid, pid_erased, dkey, dkey_erased, i)
    WHERE EXISTS (SELECT 1 FROM "${schema}".messages m WHERE m.channel = k.channel AND m.provider_message_id IN (k.pid, k.pid_erased))
       OR EXISTS (SELECT 1 FROM "${schema}".messages m WHERE m.channel = k.channel AND m.dedupe_key IN (k.dkey, k.dkey_erased) AND m.dedupe_key IS NOT NULL)`;
}

const wholeKey = (key: MessageKey): string => `${key.channel}\u0000${key.providerMessageId}\u0000${key.dedupeKey}`;
const tokens = (key: MessageKey): [string, string] => [`${key.channel}\u0000p\u0000${key.providerMessageId}`, `${key.channel}\u0000d\u0000${key.dedupeKey}`];

/**
 * The dedupe work of a consumed batch, done once for all its messages: two statements in place of
 * two per message. First every message lock of the batch (sorted), then which messages are
 * already stored, read after the locks so nothing can be stored under those keys meanwhile by
 * anyone else (every writer of messages takes the same locks first). Messages stored later in
 * the same transaction are noted as they are, so a provider retry inside the batch is still a
 * duplicate of the first copy.
 */
export class BatchDedupe {
  private readonly covered = new Set<string>();
  /** Messages of the batch found stored when it began (exactly these keys, as the lookup answered). */
  private readonly storedBefore = new Set<string>();
  /** Keys of the rows this transaction stored since. */
  private readonly stored = new Set<string>();

  private constructor() {}

  static async prepare(manager: EntityManager, keys: readonly MessageKey[]): Promise<BatchDedupe> {
    const dedupe = new BatchDedupe();
    if (!keys.length) return dedupe;
    await lockMessageNames(manager, [...new Set(keys.flatMap(lockNamesOf))].sort());
    const found = (await manager.query(storedOfSql(schemaOf(manager)), [
      keys.map((k) => k.channel),
      keys.map((k) => k.providerMessageId),
      keys.map((k) => erasedProviderId(k.channel, k.providerMessageId)),
      keys.map((k) => k.dedupeKey),
      keys.map((k) => erasedProviderId(k.channel, k.dedupeKey)),
    ])) as Array<{ i: number }>;
    for (const key of keys) for (const token of tokens(key)) dedupe.covered.add(token);
    for (const { i } of found) dedupe.storedBefore.add(wholeKey(keys[i - 1]!));
    return dedupe;
  }

  /** Whether this message's keys were locked and looked up with the batch. */
  covers(key: MessageKey): boolean {
    return tokens(key).every((token) => this.covered.has(token));
  }

  /** Stored before the batch, or earlier in it (a row with the same provider id or dedupe key). */
  isStored(key: MessageKey): boolean {
    return this.storedBefore.has(wholeKey(key)) || tokens(key).some((token) => this.stored.has(token));
  }

  /** This transaction stored a message with these keys. */
  noteStored(key: MessageKey): void {
    for (const token of tokens(key)) this.stored.add(token);
  }
}
