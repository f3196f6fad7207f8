import type { EntityManager } from 'typeorm';
import { type Channel, ContactIdentitySchema, create, CustomerRefSchema, type ContactIdentity, type CustomerRef } from '@omni/contracts';
import { CRM, PHONE } from './contacts';
import { selectIdentitiesOfContact } from './rows';

/** What events say about who the customer is, beyond Omni's contact id. */
export interface CustomerFacts {
  crmCustomerIds: string[];
  /** The contact's E.164 number, when one is known ('' otherwise). */
  phoneE164: string;
  identities: ContactIdentity[];
}

/**
 * Reads a contact's identities once and derives the CRM ids and phone number every event carries
 * (ContactProfile on messages, CustomerRef on conversation events, contact.linked). Identities are
 * listed oldest first, so the phone number is the first one the contact was known by.
 */
export async function customerFacts(manager: EntityManager, contactId: string): Promise<CustomerFacts> {
  const rows = await selectIdentitiesOfContact(manager, contactId, 200);
  return {
    crmCustomerIds: rows.filter((r) => r.channel === CRM).map((r) => r.channelUserId),
    phoneE164: rows.find((r) => r.channel === PHONE)?.channelUserId ?? '',
    identities: rows.map((r) => create(ContactIdentitySchema, { namespace: r.channel, value: r.channelUserId })),
  };
}

export function customerRef(contactId: string, channel: Channel, channelUserId: string, accountId: string, facts: CustomerFacts): CustomerRef {
  return create(CustomerRefSchema, { contactId, channel, channelUserId, accountId, crmCustomerIds: facts.crmCustomerIds, phoneE164: facts.phoneE164 });
}
