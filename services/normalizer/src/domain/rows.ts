import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { roundsOf, schemaOf } from '@omni/persistence';
import type { InboundUpdate } from './conversations';
import type { ContactEntity, ConversationEntity, IdentityEntity, MessageEntity } from './entities';

/**
 * Raw SQL and row mapping for the statements every inbound message runs (identity lookup, contact
 * lock, conversation lookup and creation). TypeORM's finders build the query and hydrate the
 * entity on every call: under load that was 15–23 % of the normalizer's CPU (docs/benchmarks.md),
 * for queries whose text never changes. The text here is constant per schema, so PostgreSQL also
 * keeps one prepared statement per connection for each. Entities stay the shape the rest of the
 * code uses; the TypeORM metadata still owns the tables (entity/migration spec).
 */

/** The normalizer's schema, for raw SQL in the domain code (the persistence lib's). */
export { schemaOf };

interface ContactRow {
  id: string;
  display_name: string | null;
  locale: string | null;
  timezone: string | null;
  attributes: Record<string, unknown> | null;
  status: ContactEntity['status'];
  merged_into: string | null;
  merged_at: Date | null;
  erased_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

interface IdentityRow {
  id: string;
  contact_id: string;
  channel: string;
  channel_user_id: string;
  display_name: string | null;
  origin: IdentityEntity['origin'];
  created_at: Date;
}

interface ConversationRow {
  id: string;
  contact_id: string;
  status: ConversationEntity['status'];
  channels: string[];
  entry_point: Record<string, unknown> | null;
  opened_at: Date;
  last_message_at: Date;
  last_inbound_at: Date | null;
  resolved_at: Date | null;
  resolution: string | null;
  resolved_by: string | null;
  reopen_count: number;
}

export function contactOf(row: ContactRow): ContactEntity {
  return {
    id: row.id,
    displayName: row.display_name,
    locale: row.locale,
    timezone: row.timezone,
    attributes: row.attributes ?? {},
    status: row.status,
    mergedInto: row.merged_into,
    mergedAt: row.merged_at,
    erasedAt: row.erased_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  } as ContactEntity;
}

export function identityOf(row: IdentityRow): IdentityEntity {
  return {
    id: row.id,
    contactId: row.contact_id,
    channel: row.channel,
    channelUserId: row.channel_user_id,
    displayName: row.display_name,
    origin: row.origin,
    createdAt: row.created_at,
  } as IdentityEntity;
}

export function conversationOf(row: ConversationRow): ConversationEntity {
  return {
    id: row.id,
    contactId: row.contact_id,
    status: row.status,
    channels: row.channels,
    entryPoint: row.entry_point,
    openedAt: row.opened_at,
    lastMessageAt: row.last_message_at,
    lastInboundAt: row.last_inbound_at,
    resolvedAt: row.resolved_at,
    resolution: row.resolution,
    resolvedBy: row.resolved_by,
    reopenCount: row.reopen_count,
  } as ConversationEntity;
}

/**
 * Identities with any of the given (channel, user id) keys ($1 channels, $2 user ids). One
 * unique-index probe per key (LATERAL … LIMIT 1): a plain join, prepared once while the table was
 * still small, kept a hash join over the whole table as it grew (a generic plan lives as long as
 * the connection). identity.int-spec pins the plan.
 */
export function identitiesByKeysSql(schema: string): string {
  return `SELECT i.* FROM unnest($1::text[], $2::text[]) AS k(channel, channel_user_id)
    CROSS JOIN LATERAL (SELECT * FROM "${schema}".identities x WHERE x.channel = k.channel AND x.channel_user_id = k.channel_user_id LIMIT 1) i`;
}

/**
 * Is a message with one of these provider ids ($2) or dedupe keys ($3) stored on channel $1?
 * Two EXISTS, one per unique index, rather than one OR: as a prepared statement PostgreSQL plans
 * it once for any parameters (a generic plan), and for the OR that plan scanned every message of
 * the channel (the partial dedupe index cannot be proven usable for an unknown array).
 * dedupe-key.int-spec pins the plan.
 */
export function alreadyStoredSql(schema: string): string {
  return `SELECT EXISTS (SELECT 1 FROM "${schema}".messages WHERE channel = $1 AND provider_message_id = ANY($2::text[]))
      OR EXISTS (SELECT 1 FROM "${schema}".messages WHERE channel = $1 AND dedupe_key = ANY($3::text[]) AND dedupe_key IS NOT NULL) AS found`;
}

/** Identities with any of the given (channel, user id) keys. */
export async function selectIdentitiesByKeys(manager: EntityManager, keys: ReadonlyArray<{ channel: string; channelUserId: string }>): Promise<IdentityEntity[]> {
  const rows = (await manager.query(
    identitiesByKeysSql(schemaOf(manager)),
    [keys.map((k) => k.channel), keys.map((k) => k.channelUserId)],
  )) as IdentityRow[];
  return rows.map(identityOf);
}

/** At most this many of a contact's identities ride on its events (customer facts). */
export const FACT_IDENTITY_LIMIT = 200;

/** A contact's identities, oldest first (bounded). */
export async function selectIdentitiesOfContact(manager: EntityManager, contactId: string, limit: number): Promise<IdentityEntity[]> {
  const rows = (await manager.query(`SELECT * FROM "${schemaOf(manager)}".identities WHERE contact_id = $1 ORDER BY created_at, channel LIMIT $2`, [contactId, limit])) as IdentityRow[];
  return rows.map(identityOf);
}

/** The contact row, locked FOR UPDATE. */
export async function selectContactForUpdate(manager: EntityManager, id: string): Promise<ContactEntity | null> {
  const [row] = (await manager.query(`SELECT * FROM "${schemaOf(manager)}".contacts WHERE id = $1 FOR UPDATE`, [id])) as ContactRow[];
  return row ? contactOf(row) : null;
}

const CONVERSATION_COLUMNS = [
  'id',
  'contact_id',
  'status',
  'channels',
  'entry_point',
  'opened_at',
  'last_message_at',
  'last_inbound_at',
  'resolved_at',
  'resolution',
  'resolved_by',
  'reopen_count',
] as const satisfies ReadonlyArray<keyof ConversationRow>;

/** What a customer's next message needs of a known contact, read under its lock. */
export interface LockedContact {
  contact: ContactEntity;
  /** Its latest conversation, locked too (null: it has none). */
  latest: ConversationEntity | null;
  /** Its identities, oldest first (bounded), as customerFacts reads them. */
  identities: Array<{ channel: string; channelUserId: string }>;
}

/**
 * The contact row locked FOR UPDATE and, in the same statement, its latest conversation (locked as
 * selectLatestConversationForUpdate locks it: after the contact, as every writer does) and its
 * identities: a returning customer's message then costs one round trip for the three reads
 * instead of three. Null when the contact does not exist.
 */
export async function selectContactWithLatestForUpdate(manager: EntityManager, id: string, identityLimit: number): Promise<LockedContact | null> {
  const s = schemaOf(manager);
  const [row] = (await manager.query(
    `SELECT c.*, ${CONVERSATION_COLUMNS.map((column) => `l.${column} AS latest_${column}`).join(', ')},
            (SELECT COALESCE(json_agg(json_build_array(i.channel, i.channel_user_id) ORDER BY i.created_at, i.channel), '[]')
               FROM (SELECT channel, channel_user_id, created_at FROM "${s}".identities WHERE contact_id = c.id ORDER BY created_at, channel LIMIT $2) i) AS identity_keys
       FROM (SELECT * FROM "${s}".contacts WHERE id = $1 FOR UPDATE) c
       LEFT JOIN LATERAL (SELECT * FROM "${s}".conversations WHERE contact_id = c.id ORDER BY last_message_at DESC, opened_at DESC LIMIT 1 FOR UPDATE) l ON true`,
    [id, identityLimit],
  )) as Array<ContactRow & Record<string, unknown> & { identity_keys: Array<[string, string]> }>;
  if (!row) return null;
  const latest = row.latest_id ? conversationOf(Object.fromEntries(CONVERSATION_COLUMNS.map((column) => [column, row[`latest_${column}`]])) as unknown as ConversationRow) : null;
  return { contact: contactOf(row), latest, identities: row.identity_keys.map(([channel, channelUserId]) => ({ channel, channelUserId })) };
}

export async function insertContact(manager: EntityManager, contact: Pick<ContactEntity, 'id' | 'displayName' | 'locale' | 'timezone'>): Promise<ContactEntity> {
  const [row] = (await manager.query(
    `INSERT INTO "${schemaOf(manager)}".contacts (id, display_name, locale, timezone, attributes, status) VALUES ($1, $2, $3, $4, '{}', 'active') RETURNING *`,
    [contact.id, contact.displayName, contact.locale, contact.timezone],
  )) as ContactRow[];
  return contactOf(row!);
}

/** An identity to attach to a contact: its key, origin, and the channel's display name (channel keys only). */
export interface NewIdentity {
  channel: string;
  channelUserId: string;
  origin: IdentityEntity['origin'];
  displayName: string | null;
}

/**
 * Inserts identities for a contact, in one statement whatever their number, in the given order;
 * returns the keys inserted (a key someone already has is left alone). With `newContact`, the
 * contact is inserted by the same statement first (a customer's first message: one round trip
 * for both, the identities referring to the contact the statement made).
 */
export async function insertIdentities(
  manager: EntityManager,
  contactId: string,
  identities: readonly NewIdentity[],
  newContact?: Pick<ContactEntity, 'displayName' | 'locale' | 'timezone'>,
): Promise<{ contact?: ContactEntity; inserted: Array<{ channel: string; channelUserId: string }> }> {
  const s = schemaOf(manager);
  const columns = [identities.map(() => randomUUID()), identities.map((k) => k.channel), identities.map((k) => k.channelUserId), identities.map((k) => k.displayName), identities.map((k) => k.origin)];
  const insert = (owner: string) => `INSERT INTO "${s}".identities (id, contact_id, channel, channel_user_id, display_name, origin)
       SELECT k.id, ${owner}, k.channel, k.channel_user_id, k.display_name, k.origin
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS k(id, channel, channel_user_id, display_name, origin, i)${newContact ? ', contact' : ''}
        ORDER BY k.i
       ON CONFLICT (channel, channel_user_id) DO NOTHING RETURNING channel, channel_user_id`;
  if (!newContact) {
    const rows = (await manager.query(insert('$6::uuid'), [...columns, contactId])) as Array<{ channel: string; channel_user_id: string }>;
    return { inserted: rows.map((r) => ({ channel: r.channel, channelUserId: r.channel_user_id })) };
  }
  const [row] = (await manager.query(
    `WITH contact AS (
       INSERT INTO "${s}".contacts (id, display_name, locale, timezone, attributes, status) VALUES ($6, $7, $8, $9, '{}', 'active') RETURNING *
     ), attached AS (${insert('contact.id')})
     SELECT contact.*, (SELECT COALESCE(json_agg(json_build_array(a.channel, a.channel_user_id)), '[]') FROM attached a) AS inserted FROM contact`,
    [...columns, contactId, newContact.displayName, newContact.locale, newContact.timezone],
  )) as Array<ContactRow & { inserted: Array<[string, string]> }>;
  return { contact: contactOf(row!), inserted: row!.inserted.map(([channel, channelUserId]) => ({ channel, channelUserId })) };
}

/**
 * New contacts with their identities, in one statement whatever their number (a consumed batch's
 * first-time customers); returns the identity keys inserted, with their contact. Identities go in
 * the given order, each contact's in its own order; a key someone already has is left alone. The
 * contacts' insert is a CTE nothing reads: PostgreSQL runs a data-modifying CTE regardless, and
 * checks the identities' foreign key at the end of the statement, once both are in.
 */
export async function insertContactsWithIdentities(
  manager: EntityManager,
  contacts: ReadonlyArray<{ contact: Pick<ContactEntity, 'id' | 'displayName' | 'locale' | 'timezone'>; identities: readonly NewIdentity[] }>,
): Promise<Array<{ contactId: string; channel: string; channelUserId: string }>> {
  if (!contacts.length) return [];
  const s = schemaOf(manager);
  const owned = contacts.flatMap(({ contact, identities }) => identities.map((k) => ({ contactId: contact.id, ...k })));
  const rows = (await manager.query(
    `WITH contacts AS (
       INSERT INTO "${s}".contacts (id, display_name, locale, timezone, attributes, status)
       SELECT c.id, c.display_name, c.locale, c.timezone, '{}', 'active' FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[]) AS c(id, display_name, locale, timezone)
     )
     INSERT INTO "${s}".identities (id, contact_id, channel, channel_user_id, display_name, origin)
     SELECT k.id, k.contact_id, k.channel, k.channel_user_id, k.display_name, k.origin
       FROM unnest($5::uuid[], $6::uuid[], $7::text[], $8::text[], $9::text[], $10::text[]) WITH ORDINALITY AS k(id, contact_id, channel, channel_user_id, display_name, origin, i)
      ORDER BY k.i
     ON CONFLICT (channel, channel_user_id) DO NOTHING RETURNING contact_id, channel, channel_user_id`,
    [
      contacts.map((c) => c.contact.id),
      contacts.map((c) => c.contact.displayName),
      contacts.map((c) => c.contact.locale),
      contacts.map((c) => c.contact.timezone),
      owned.map(() => randomUUID()),
      owned.map((k) => k.contactId),
      owned.map((k) => k.channel),
      owned.map((k) => k.channelUserId),
      owned.map((k) => k.displayName),
      owned.map((k) => k.origin),
    ],
  )) as Array<{ contact_id: string; channel: string; channel_user_id: string }>;
  return rows.map((r) => ({ contactId: r.contact_id, channel: r.channel, channelUserId: r.channel_user_id }));
}

/** The contact's latest conversation (by last message, then opening), locked FOR UPDATE. */
export async function selectLatestConversationForUpdate(manager: EntityManager, contactId: string): Promise<ConversationEntity | null> {
  const [row] = (await manager.query(
    `SELECT * FROM "${schemaOf(manager)}".conversations WHERE contact_id = $1 ORDER BY last_message_at DESC, opened_at DESC LIMIT 1 FOR UPDATE`,
    [contactId],
  )) as ConversationRow[];
  return row ? conversationOf(row) : null;
}

/**
 * New conversations in one statement, whatever their number. A new conversation has one channel,
 * the one it started on: one text per row (unnest cannot take an array of arrays of any length).
 */
export async function insertConversations(manager: EntityManager, rows: readonly ConversationEntity[]): Promise<void> {
  if (!rows.length) return;
  const channels = rows.map((c) => {
    if (c.channels.length !== 1) throw new Error(`a new conversation has one channel, not ${c.channels.length}`);
    return c.channels[0]!;
  });
  const column = <T>(pick: (c: ConversationEntity) => T): T[] => rows.map(pick);
  await manager.query(
    `INSERT INTO "${schemaOf(manager)}".conversations (id, contact_id, status, channels, entry_point, opened_at, last_message_at, last_inbound_at,
       resolved_at, resolution, resolved_by, reopen_count)
     SELECT id, contact_id, status, ARRAY[channel], entry_point, opened_at, last_message_at, last_inbound_at, resolved_at, resolution, resolved_by, reopen_count
       FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::jsonb[], $6::timestamptz[], $7::timestamptz[], $8::timestamptz[],
         $9::timestamptz[], $10::text[], $11::text[], $12::int[])
         AS c(id, contact_id, status, channel, entry_point, opened_at, last_message_at, last_inbound_at, resolved_at, resolution, resolved_by, reopen_count)`,
    [
      column((c) => c.id),
      column((c) => c.contactId),
      column((c) => c.status),
      channels,
      column((c) => (c.entryPoint === null ? null : JSON.stringify(c.entryPoint))),
      column((c) => c.openedAt),
      column((c) => c.lastMessageAt),
      column((c) => c.lastInboundAt),
      column((c) => c.resolvedAt),
      column((c) => c.resolution),
      column((c) => c.resolvedBy),
      column((c) => c.reopenCount),
    ],
  );
}

/**
 * Writes back what customers' messages change on existing conversations, in one statement whatever
 * their number (a round per repeated conversation: never from one batch, where a contact's second
 * message reads the conversation again, which writes the first update).
 */
export async function updateConversationsForInbound(manager: EntityManager, rows: readonly InboundUpdate[]): Promise<void> {
  for (const round of roundsOf(rows, (u) => [u.id])) {
    const column = <T>(pick: (u: InboundUpdate) => T): T[] => round.map(pick);
    await manager.query(
      `UPDATE "${schemaOf(manager)}".conversations c SET status = u.status, resolved_at = u.resolved_at, resolution = u.resolution, resolved_by = u.resolved_by,
         channels = ARRAY(SELECT jsonb_array_elements_text(u.channels)), last_message_at = u.last_message_at, last_inbound_at = u.last_inbound_at,
         reopen_count = u.reopen_count, entry_point = u.entry_point
       FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::jsonb[], $7::timestamptz[], $8::timestamptz[], $9::int[], $10::jsonb[])
         AS u(id, status, resolved_at, resolution, resolved_by, channels, last_message_at, last_inbound_at, reopen_count, entry_point)
       WHERE c.id = u.id`,
      [
        column((u) => u.id),
        column((u) => u.status),
        column((u) => u.resolvedAt),
        column((u) => u.resolution),
        column((u) => u.resolvedBy),
        column((u) => JSON.stringify(u.channels)),
        column((u) => u.lastMessageAt),
        column((u) => u.lastInboundAt),
        column((u) => u.reopenCount),
        column((u) => (u.entryPoint === null ? null : JSON.stringify(u.entryPoint))),
      ],
    );
  }
}

/** A resolution to apply to a conversation (omni.conversation.resolved.v1). */
export interface Resolution {
  conversationId: string;
  at: Date;
  resolution: string | null;
  resolvedBy: string | null;
}

/**
 * What a resolution did: resolved the conversation; found it resolved already (by an earlier one);
 * left it open because the customer wrote after `at` (superseded); or found no such conversation.
 */
export type ResolveOutcome = 'resolved' | 'already-resolved' | 'superseded' | 'unknown';

/**
 * Applies resolutions (conversation ids must be UUIDs) in one statement, with the outcome of each,
 * in order: the same as applying them one by one. A conversation is resolved by the first of its
 * resolutions that finds it open with no customer message after its time; its earlier ones were
 * superseded, its later ones find it resolved already.
 *
 * That first resolution is picked for each row in the UPDATE itself, by a subquery over the row as
 * the UPDATE sees it, not in a join: when another transaction changed the row meanwhile, READ
 * COMMITTED re-evaluates the WHERE and the SET on the newest row version, so a customer message
 * committed just before leaves it to a later resolution of the batch, as it would have one
 * statement later (a join would re-check only the resolution it had picked). The outcomes compare
 * each resolution with the one that won, or, for a conversation left alone, with the row before
 * the UPDATE (the statement's snapshot: what the UPDATE changed is not visible to the rest of it).
 */
export async function resolveConversations(manager: EntityManager, resolutions: readonly Resolution[]): Promise<ResolveOutcome[]> {
  if (!resolutions.length) return [];
  const s = schemaOf(manager);
  // The first input resolution (its ordinal) of row `c` with no customer message after its time, on the row as it is (null: none).
  const firstApplicable = `(SELECT min(r.i) FROM input r WHERE r.id = c.id AND (c.last_inbound_at IS NULL OR c.last_inbound_at <= r.at))`;
  const rows = (await manager.query(
    `WITH input AS (
       SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::text[], $4::text[]) WITH ORDINALITY AS r(id, at, resolution, resolved_by, i)
     ), resolved AS (
       UPDATE "${s}".conversations c
          SET status = 'resolved', (resolved_at, resolution, resolved_by) = (SELECT w.at, w.resolution, w.resolved_by FROM input w WHERE w.i = ${firstApplicable})
        WHERE c.id = ANY($1::uuid[]) AND c.status <> 'resolved' AND ${firstApplicable} IS NOT NULL
       RETURNING c.id, ${firstApplicable} AS i
     )
     SELECT CASE WHEN w.i = r.i THEN 'resolved' WHEN w.i < r.i THEN 'already-resolved' WHEN w.i > r.i THEN 'superseded'
                 WHEN before.id IS NULL THEN 'unknown' WHEN before.status = 'resolved' THEN 'already-resolved' ELSE 'superseded' END AS outcome
       FROM input r
       LEFT JOIN resolved w ON w.id = r.id
       LEFT JOIN "${s}".conversations before ON before.id = r.id
      ORDER BY r.i`,
    [resolutions.map((r) => r.conversationId), resolutions.map((r) => r.at), resolutions.map((r) => r.resolution), resolutions.map((r) => r.resolvedBy)],
  )) as Array<{ outcome: ResolveOutcome }>;
  return rows.map((r) => r.outcome);
}

/** The channels and last message time an outbound message leaves on its conversation. */
export async function updateConversationForOutbound(manager: EntityManager, id: string, channels: string[], lastMessageAt: Date): Promise<void> {
  await manager.query(`UPDATE "${schemaOf(manager)}".conversations SET channels = $2, last_message_at = $3 WHERE id = $1`, [id, channels, lastMessageAt]);
}

/** A new message (no delivery error, outbound id or erasure yet). */
export type NewMessageRow = Omit<MessageEntity, 'conversation' | 'deliveryError' | 'outboundId' | 'erasedAt'>;

export async function insertMessage(manager: EntityManager, m: NewMessageRow): Promise<void> {
  await insertMessages(manager, [m]);
}

/** New messages in one statement, whatever their number (one array per column). */
export async function insertMessages(manager: EntityManager, rows: readonly NewMessageRow[]): Promise<void> {
  if (!rows.length) return;
  const column = <T>(pick: (m: NewMessageRow) => T): T[] => rows.map(pick);
  await manager.query(
    `INSERT INTO "${schemaOf(manager)}".messages (id, conversation_id, contact_id, channel, provider_message_id, dedupe_key, direction, content_kind, content,
       delivery_state, delivery_updated_at, provider_timestamp, occurred_at, received_at, raw_id, language, language_confidence)
     SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::jsonb[],
       $10::text[], $11::timestamptz[], $12::timestamptz[], $13::timestamptz[], $14::timestamptz[], $15::text[], $16::text[], $17::real[])`,
    [
      column((m) => m.id),
      column((m) => m.conversationId),
      column((m) => m.contactId),
      column((m) => m.channel),
      column((m) => m.providerMessageId),
      column((m) => m.dedupeKey),
      column((m) => m.direction),
      column((m) => m.contentKind),
      column((m) => JSON.stringify(m.content)),
      column((m) => m.deliveryState),
      column((m) => m.deliveryUpdatedAt),
      column((m) => m.providerTimestamp),
      column((m) => m.occurredAt),
      column((m) => m.receivedAt),
      column((m) => m.rawId),
      column((m) => m.language),
      column((m) => m.languageConfidence),
    ],
  );
}
