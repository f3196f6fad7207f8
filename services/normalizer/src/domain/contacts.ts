import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import type { BatchIdentities } from './batch-identities';
import { ContactEntity, IdentityEntity, type ConversationEntity, type IdentityOrigin } from './entities';
import { phoneOfChannelUser } from './phone';
import type { PendingConversations } from './conversations';
import type { PendingContacts } from './new-contacts';
import { FACT_IDENTITY_LIMIT, insertContact, insertIdentities, selectContactForUpdate, selectContactWithLatestForUpdate, selectIdentitiesByKeys, type NewIdentity } from './rows';

/** Identity namespaces besides the channel slugs: E.164 numbers and CRM customer ids. */
export const PHONE = 'phone';
export const CRM = 'crm';

export interface ChannelProfile {
  channel: string;
  channelUserId: string;
  displayName?: string;
  locale?: string;
  timezone?: string;
}

export interface IdentityKey {
  channel: string;
  channelUserId: string;
  origin: IdentityOrigin;
}

export interface IdentityOptions {
  /** Country for SMS numbers written the national way (PHONE_DEFAULT_COUNTRY). */
  phoneCountry?: string;
}

/** Thrown by contact operations; the API maps `kind` to an HTTP status. */
export class ContactError extends Error {
  constructor(
    readonly kind: 'not-found' | 'merged' | 'erased' | 'conflict',
    readonly contactId: string,
    message: string,
    readonly mergedInto?: string,
  ) {
    super(message);
  }
}

/**
 * The identity keys of a channel user, in lock order: the normalised `phone` key first (WhatsApp
 * wa_id, SMS number), then the channel's own id. Two channels reaching the same phone number
 * meet on the phone key.
 */
export function identityKeys(channel: string, channelUserId: string, options: IdentityOptions = {}): IdentityKey[] {
  const keys: IdentityKey[] = [];
  const phone = phoneOfChannelUser(channel, channelUserId, options.phoneCountry);
  if (phone) keys.push({ channel: PHONE, channelUserId: phone, origin: 'derived' });
  keys.push({ channel, channelUserId, origin: 'channel' });
  return keys;
}

export async function findIdentities(manager: EntityManager, keys: Array<Pick<IdentityKey, 'channel' | 'channelUserId'>>): Promise<IdentityEntity[]> {
  if (!keys.length) return [];
  return selectIdentitiesByKeys(manager, keys);
}

/**
 * Locks a contact row (FOR UPDATE) following merge redirects: the live contact, or null when the
 * id is unknown or the contact was erased. Message ingestion, merges and erasure all take this
 * lock, so a message never lands on a contact that a concurrent merge just tombstoned.
 */
export async function lockLiveContact(manager: EntityManager, id: string): Promise<ContactEntity | null> {
  let current = id;
  for (let hop = 0; hop < 20; hop++) {
    const contact = await selectContactForUpdate(manager, current);
    if (!contact || contact.status === 'erased') return null;
    if (contact.status === 'active') return contact;
    if (!contact.mergedInto) return null;
    current = contact.mergedInto;
  }
  throw new Error(`merge redirects of contact ${id} do not end`);
}

/** The identities to insert for `keys`: the channel's display name goes on the channel's own key only. */
function newIdentities(keys: readonly IdentityKey[], displayName?: string | null): NewIdentity[] {
  return keys.map((k) => ({ channel: k.channel, channelUserId: k.channelUserId, origin: k.origin, displayName: k.origin === 'channel' ? (displayName ?? null) : null }));
}

/** The keys of `keys` that `inserted` does not hold: someone else has them. */
function takenOf(keys: readonly IdentityKey[], inserted: ReadonlyArray<{ channel: string; channelUserId: string }>): IdentityKey[] {
  const attached = new Set(inserted.map((r) => `${r.channel}\u0000${r.channelUserId}`));
  return keys.filter((k) => !attached.has(`${k.channel}\u0000${k.channelUserId}`));
}

/** What a message's ingestion learnt of a known contact while locking it (see lockLiveContactForMessage). */
export interface KnownContact {
  /** The contact's latest conversation, locked (null: none). */
  latest: ConversationEntity | null;
  /** Its identities, oldest first; absent when the message attached new ones (read them again). */
  identities?: Array<{ channel: string; channelUserId: string }>;
}

/**
 * lockLiveContact for a customer's message: the contact's latest conversation and identities come
 * with the lock, in the same statement (the batch's pending conversations of this contact are
 * written first, so the read sees them). A contact merged away is followed as lockLiveContact
 * does, and then nothing more is known: its survivor's conversation is read as before.
 */
async function lockLiveContactForMessage(manager: EntityManager, id: string, pending?: PendingConversations): Promise<{ contact: ContactEntity; known?: KnownContact } | null> {
  await pending?.flushIfHolds(id);
  const locked = await selectContactWithLatestForUpdate(manager, id, FACT_IDENTITY_LIMIT);
  if (locked?.contact.status === 'active') return { contact: locked.contact, known: { latest: locked.latest, identities: locked.identities } };
  if (locked?.contact.status !== 'merged' || !locked.contact.mergedInto) return null;
  const survivor = await lockLiveContact(manager, locked.contact.mergedInto);
  return survivor ? { contact: survivor } : null;
}

/**
 * Inserts identities for a contact, in one statement whatever their number (in key order, as one
 * by one did); returns the keys that were already taken (by anyone).
 */
export async function attachIdentities(manager: EntityManager, contactId: string, keys: IdentityKey[], displayName?: string | null): Promise<IdentityKey[]> {
  if (!keys.length) return [];
  const { inserted } = await insertIdentities(manager, contactId, newIdentities(keys, displayName));
  return takenOf(keys, inserted);
}

/** A new contact with its identities, in one statement; returns it and the keys someone else had already. */
async function createContactWithIdentities(manager: EntityManager, profile: ChannelProfile, keys: IdentityKey[]): Promise<{ contact: ContactEntity; taken: IdentityKey[] }> {
  const fields = { displayName: profile.displayName || null, locale: profile.locale || null, timezone: profile.timezone || null };
  const { contact, inserted } = await insertIdentities(manager, randomUUID(), newIdentities(keys, profile.displayName), fields);
  return { contact: contact!, taken: takenOf(keys, inserted) };
}

export async function createContact(manager: EntityManager, profile: Partial<ChannelProfile> = {}): Promise<ContactEntity> {
  return insertContact(manager, { id: randomUUID(), displayName: profile.displayName || null, locale: profile.locale || null, timezone: profile.timezone || null });
}

/**
 * Finds the contact behind a channel identity, creating it on first sight. The channel id wins;
 * otherwise the phone key (the same number seen on WhatsApp or SMS, or linked by a CRM) finds it.
 * Missing keys are attached to the contact found. Profile data from the channel only fills what
 * is still unknown: a CRM or an agent may have set better values.
 */
export async function resolveContact(manager: EntityManager, profile: ChannelProfile, options: IdentityOptions = {}, batch?: ContactBatch): Promise<ContactEntity> {
  return (await resolveContactIdentities(manager, profile, options, batch)).contact;
}

/**
 * A consumed batch's contact work: its customers' identities, looked up for all its messages at
 * once, and the contacts it creates, written together before anything reads them.
 */
export interface ContactBatch {
  identities: BatchIdentities;
  created?: PendingContacts;
}

/** A first-time customer's contact as the insert would make it: the batch writes it later. */
function newContactOf(profile: ChannelProfile): ContactEntity {
  const now = new Date();
  return Object.assign(new ContactEntity(), {
    id: randomUUID(),
    displayName: profile.displayName || null,
    locale: profile.locale || null,
    timezone: profile.timezone || null,
    attributes: {},
    status: 'active' as const,
    mergedInto: null,
    mergedAt: null,
    erasedAt: null,
    createdAt: now,
    updatedAt: now,
  });
}

/**
 * resolveContact, and for a contact it just created, the identities it has: exactly the keys
 * attached, so the caller needs no second read of them (message ingestion does one otherwise).
 */
export async function resolveContactIdentities(
  manager: EntityManager,
  profile: ChannelProfile,
  options: IdentityOptions = {},
  /** A consumed batch's identity lookups (first attempt only: a retry looks in the database) and new contacts. */
  batch?: ContactBatch,
  /** For a message: read a known contact's latest conversation and identities with its lock (`known`). */
  forMessage?: { pending?: PendingConversations },
): Promise<{ contact: ContactEntity; identities?: IdentityKey[]; known?: KnownContact }> {
  const keys = identityKeys(profile.channel, profile.channelUserId, options);
  const created = batch?.created;
  for (let attempt = 0; attempt < 5; attempt++) {
    let rows = attempt === 0 ? batch?.identities.find(keys) : undefined;
    if (!rows) {
      // The database is asked: it must hold the contacts the batch created so far.
      await created?.flush();
      rows = await findIdentities(manager, keys);
    }
    const byChannel = rows.find((r) => r.channel === profile.channel);
    const owner = byChannel?.contactId ?? rows[0]?.contactId;
    if (owner) {
      // A contact this batch created (the customer's second message in it) is locked like any other.
      await created?.flushIfHolds(owner);
      const locked: { contact: ContactEntity; known?: KnownContact } | null = forMessage
        ? await lockLiveContactForMessage(manager, owner, forMessage.pending)
        : await lockLiveContact(manager, owner).then((contact) => contact && { contact });
      if (!locked) continue; // erased (or merged away) meanwhile: look again
      const { contact, known } = locked;
      const missing = keys.filter((k) => !rows.some((r) => r.channel === k.channel && r.channelUserId === k.channelUserId));
      // A phone key already owned by another contact stays there: only a CRM merges contacts.
      const taken = await attachIdentities(manager, contact.id, missing, profile.displayName);
      batch?.identities.attached(contact.id, missing, taken);
      // Identities attached just now make the list read with the lock incomplete.
      if (known && taken.length < missing.length) delete known.identities;
      return { contact: await fillProfile(manager, contact, profile), known };
    }
    if (batch && created) {
      // Written with the batch's other new contacts; a key taken meanwhile fails the batch then
      // (IdentityTakenMeanwhile), and its records are replayed one by one, through the branch below.
      const contact = newContactOf(profile);
      created.add({ contact, identities: newIdentities(keys, profile.displayName) });
      batch.identities.attached(contact.id, keys, []);
      return { contact, identities: keys };
    }
    const { contact, taken } = await createContactWithIdentities(manager, profile, keys);
    if (!taken.length) {
      batch?.identities.attached(contact.id, keys, []);
      return { contact, identities: keys };
    }
    // A concurrent first message from the same person won the race: use theirs.
    batch?.identities.forget(keys);
    await manager.delete(IdentityEntity, { contactId: contact.id });
    await manager.delete(ContactEntity, { id: contact.id });
  }
  throw new Error(`could not resolve a contact for a ${profile.channel} identity`);
}

/** The live contact owning an identity, without creating anything. */
export async function contactOfIdentity(manager: EntityManager, channel: string, channelUserId: string, options: IdentityOptions = {}): Promise<ContactEntity | null> {
  const keys = identityKeys(channel, channelUserId, options);
  const rows = await findIdentities(manager, keys);
  const owner = rows.find((r) => r.channel === channel)?.contactId ?? rows[0]?.contactId;
  if (!owner) return null;
  const contact = await manager.findOne(ContactEntity, { where: { id: owner } });
  return contact?.status === 'active' ? contact : null;
}

export async function fillProfile(manager: EntityManager, contact: ContactEntity, profile: Partial<ChannelProfile>): Promise<ContactEntity> {
  const updates: Partial<ContactEntity> = {};
  if (!contact.displayName && profile.displayName) updates.displayName = profile.displayName;
  if (!contact.locale && profile.locale) updates.locale = profile.locale;
  if (!contact.timezone && profile.timezone) updates.timezone = profile.timezone;
  if (Object.keys(updates).length) {
    await manager.update(ContactEntity, { id: contact.id }, updates as QueryDeepPartialEntity<ContactEntity>);
    Object.assign(contact, updates);
  }
  return contact;
}
