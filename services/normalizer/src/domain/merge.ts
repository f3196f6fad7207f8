import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity';
import type { EntityManager } from 'typeorm';
import { attachIdentities, ContactError, createContact, CRM, findIdentities, lockLiveContact, type IdentityKey } from './contacts';
import { ContactEntity, ConversationEntity, IdentityEntity, MessageEntity } from './entities';

export interface MergeResult {
  target: ContactEntity;
  moved: { identities: number; conversations: number; messages: number };
}

/** Locks a contact that must exist and be live (not merged away, not erased). */
export async function lockActiveContact(manager: EntityManager, id: string): Promise<ContactEntity> {
  const contact = await manager.findOne(ContactEntity, { where: { id }, lock: { mode: 'pessimistic_write' } });
  if (!contact) throw new ContactError('not-found', id, `no contact ${id}`);
  if (contact.status === 'merged') throw new ContactError('merged', id, `contact ${id} was merged into ${contact.mergedInto}`, contact.mergedInto ?? undefined);
  if (contact.status === 'erased') throw new ContactError('erased', id, `contact ${id} was erased`);
  return contact;
}

/**
 * Merges `sourceId` into `targetId`: identities, conversations and messages move to the target
 * (history follows the customer); the target keeps its own profile values and attributes and takes
 * the source's where it has none; the source becomes a tombstone (`merged`, no personal data) that
 * redirects to the target, and older tombstones pointing at the source are re-pointed.
 * Conversations are not fused: each keeps its own id (other services key their state on it).
 */
export async function mergeContacts(manager: EntityManager, targetId: string, sourceId: string, at: Date): Promise<MergeResult> {
  if (targetId === sourceId) throw new ContactError('conflict', sourceId, 'a contact cannot be merged into itself');
  // Lock in id order so two opposite merges cannot deadlock.
  const [first, second] = [targetId, sourceId].sort();
  const locked = new Map<string, ContactEntity>();
  for (const id of [first!, second!]) locked.set(id, await lockActiveContact(manager, id));
  const target = locked.get(targetId)!;
  const source = locked.get(sourceId)!;

  const identities = await manager.update(IdentityEntity, { contactId: sourceId }, { contactId: targetId });
  const conversations = await manager.update(ConversationEntity, { contactId: sourceId }, { contactId: targetId });
  const messages = await manager.update(MessageEntity, { contactId: sourceId }, { contactId: targetId });
  await manager.update(ContactEntity, { mergedInto: sourceId }, { mergedInto: targetId });

  const filled: Partial<ContactEntity> = {
    displayName: target.displayName ?? source.displayName,
    locale: target.locale ?? source.locale,
    timezone: target.timezone ?? source.timezone,
    attributes: { ...source.attributes, ...target.attributes },
  };
  await manager.update(ContactEntity, { id: targetId }, filled as QueryDeepPartialEntity<ContactEntity>);
  await manager.update(ContactEntity, { id: sourceId }, {
    status: 'merged',
    mergedInto: targetId,
    mergedAt: at,
    displayName: null,
    locale: null,
    timezone: null,
    attributes: {},
  });
  return {
    target: { ...target, ...filled },
    moved: { identities: identities.affected ?? 0, conversations: conversations.affected ?? 0, messages: messages.affected ?? 0 },
  };
}

export interface LinkResult {
  contact: ContactEntity;
  /** Contacts merged into the survivor. */
  merged: string[];
  created: boolean;
}

/**
 * A CRM says: these identities are my customer `customerId`. The contacts behind them become one:
 * the survivor is the contact already holding the customer id, else the oldest one found, else a
 * new contact (identities never seen yet are registered, so the customer's first message on that
 * channel lands on this contact). Refused (conflict) when an identity belongs to a contact that
 * another customer id is linked to.
 */
export async function linkCustomer(manager: EntityManager, customerId: string, keys: IdentityKey[], at: Date): Promise<LinkResult> {
  const crmKey: IdentityKey = { channel: CRM, channelUserId: customerId, origin: 'crm' };
  const all = [crmKey, ...keys];
  const rows = await findIdentities(manager, all);
  const crmOwner = rows.find((r) => r.channel === CRM)?.contactId;
  const owners = [...new Set(rows.map((r) => r.contactId))];

  const candidates: ContactEntity[] = [];
  for (const id of owners) {
    const live = await lockLiveContact(manager, id);
    if (live && !candidates.some((c) => c.id === live.id)) candidates.push(live);
  }
  for (const candidate of candidates) {
    if (candidate.id === crmOwner) continue;
    const other = await manager.findOne(IdentityEntity, { where: { contactId: candidate.id, channel: CRM } });
    if (other && other.channelUserId !== customerId) {
      throw new ContactError('conflict', candidate.id, `an identity belongs to contact ${candidate.id}, which is linked to another customer id`);
    }
  }
  candidates.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
  let survivor = candidates.find((c) => c.id === crmOwner) ?? candidates[0];
  const created = !survivor;
  if (!survivor) survivor = await createContact(manager);
  const merged: string[] = [];
  for (const candidate of candidates) {
    if (candidate.id === survivor.id) continue;
    survivor = (await mergeContacts(manager, survivor.id, candidate.id, at)).target;
    merged.push(candidate.id);
  }
  await attachIdentities(manager, survivor.id, all.map((k) => ({ ...k, origin: k.origin === 'channel' ? 'crm' : k.origin })));
  const contact = await manager.findOneOrFail(ContactEntity, { where: { id: survivor.id } });
  return { contact, merged, created };
}
