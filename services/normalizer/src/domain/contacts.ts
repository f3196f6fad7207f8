import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { ContactEntity, IdentityEntity } from './entities';

export interface ChannelProfile {
  channel: string;
  channelUserId: string;
  displayName?: string;
  locale?: string;
  timezone?: string;
}

/**
 * Finds the contact behind a channel identity, creating both on first sight. Profile data from
 * the channel only fills what is still unknown: a CRM or an agent may have set better values.
 */
export async function resolveContact(manager: EntityManager, profile: ChannelProfile): Promise<ContactEntity> {
  const existing = await manager.findOne(IdentityEntity, { where: { channel: profile.channel, channelUserId: profile.channelUserId } });
  if (existing) {
    const contact = await manager.findOneOrFail(ContactEntity, { where: { id: existing.contactId } });
    return fillProfile(manager, contact, profile);
  }
  const contact = manager.create(ContactEntity, {
    id: randomUUID(),
    displayName: profile.displayName || null,
    locale: profile.locale || null,
    timezone: profile.timezone || null,
    attributes: {},
  });
  await manager.save(ContactEntity, contact);
  const schema = (manager.connection.options as { schema: string }).schema;
  // A concurrent first message from the same identity may have won the race: keep theirs.
  const inserted: unknown[] = await manager.query(
    `INSERT INTO "${schema}".identities (id, contact_id, channel, channel_user_id, display_name)
     VALUES ($1, $2, $3, $4, $5) ON CONFLICT (channel, channel_user_id) DO NOTHING RETURNING id`,
    [randomUUID(), contact.id, profile.channel, profile.channelUserId, profile.displayName || null],
  );
  if (!inserted.length) {
    await manager.delete(ContactEntity, { id: contact.id });
    return resolveContact(manager, profile);
  }
  return contact;
}

async function fillProfile(manager: EntityManager, contact: ContactEntity, profile: ChannelProfile): Promise<ContactEntity> {
  const updates: Partial<ContactEntity> = {};
  if (!contact.displayName && profile.displayName) updates.displayName = profile.displayName;
  if (!contact.locale && profile.locale) updates.locale = profile.locale;
  if (!contact.timezone && profile.timezone) updates.timezone = profile.timezone;
  if (Object.keys(updates).length) {
    await manager.save(ContactEntity, { ...contact, ...updates });
    Object.assign(contact, updates);
  }
  return contact;
}
