import { createHash } from 'node:crypto';
import { In, type EntityManager } from 'typeorm';
import { ContactError } from './contacts';
import { ContactEntity, ConversationEntity, IdentityEntity, OutboundRequestEntity } from './entities';
import { schemaOf } from './rows';

/**
 * What an erased message's provider id becomes: a one-way digest, so a provider replay of an
 * erased message is still recognised as a duplicate (and not stored again) while the id itself,
 * which can embed the phone number (WhatsApp wamid), is gone.
 */
export function erasedProviderId(channel: string, providerMessageId: string): string {
  return `erased:${createHash('sha256').update(`${channel}:${providerMessageId}`).digest('hex')}`;
}

export interface ErasureResult {
  contactId: string;
  conversationIds: string[];
  erasedAt: Date;
  /** False when the contact had already been erased (nothing left to do, nothing published). */
  changed: boolean;
}

/**
 * Erases a contact's personal data from the normalizer's store. Rows are kept as tombstones so
 * ids other services hold stay meaningful and replays stay deduplicated:
 * - messages: content, text, language and raw reference removed, provider id and dedupe key replaced by their digests;
 * - conversations: entry point (deep-link refs, ad context) removed, open ones resolved (`erased`); ids and times kept;
 * - approved outbound contents (what agents wrote) deleted;
 * - identities deleted (a later message from the same person starts a new contact);
 * - the contact: profile and attributes removed, status `erased`.
 */
export async function eraseContact(manager: EntityManager, contactId: string, at: Date): Promise<ErasureResult> {
  const contact = await manager.findOne(ContactEntity, { where: { id: contactId }, lock: { mode: 'pessimistic_write' } });
  if (!contact) throw new ContactError('not-found', contactId, `no contact ${contactId}`);
  if (contact.status === 'merged') {
    throw new ContactError('merged', contactId, `contact ${contactId} was merged into ${contact.mergedInto}: erase that contact`, contact.mergedInto ?? undefined);
  }
  const conversations = await manager.find(ConversationEntity, { where: { contactId }, select: { id: true }, order: { openedAt: 'ASC' } });
  const conversationIds = conversations.map((c) => c.id);
  if (contact.status === 'erased') return { contactId, conversationIds, erasedAt: contact.erasedAt ?? at, changed: false };

  const schema = schemaOf(manager);
  await manager.query(
    `UPDATE "${schema}".messages SET
       content = '{}'::jsonb, content_kind = 'erased', language = NULL, language_confidence = NULL, raw_id = NULL,
       provider_message_id = 'erased:' || encode(sha256(convert_to(channel || ':' || provider_message_id, 'UTF8')), 'hex'),
       dedupe_key = 'erased:' || encode(sha256(convert_to(channel || ':' || dedupe_key, 'UTF8')), 'hex'),
       erased_at = $2
     WHERE contact_id = $1 AND erased_at IS NULL`,
    [contactId, at],
  );
  if (conversationIds.length) {
    await manager.update(ConversationEntity, { id: In(conversationIds) }, { entryPoint: null });
    // Nobody can write into them any more: the identities that led there are gone.
    await manager.update(ConversationEntity, { id: In(conversationIds), status: 'open' }, { status: 'resolved', resolvedAt: at, resolution: 'erased' });
    await manager.delete(OutboundRequestEntity, { conversationId: In(conversationIds) });
  }
  await manager.delete(IdentityEntity, { contactId });
  await manager.update(ContactEntity, { id: contactId }, { status: 'erased', erasedAt: at, displayName: null, locale: null, timezone: null, attributes: {} });
  return { contactId, conversationIds, erasedAt: at, changed: true };
}
