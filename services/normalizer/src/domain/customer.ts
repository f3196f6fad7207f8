import type { EntityManager } from 'typeorm';
import { type Channel, ContactIdentitySchema, create, CustomerRefSchema, type ContactIdentity, type CustomerRef } from '@omni/contracts';
import { CRM, PHONE } from './contacts';
import { FACT_IDENTITY_LIMIT, selectIdentitiesOfContact } from './rows';

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
  return factsOfIdentities(await selectIdentitiesOfContact(manager, contactId, FACT_IDENTITY_LIMIT));
}

/**
 * The facts of identities created together (a contact's first message): they share one
 * created_at, so the stored order is by namespace, as here.
 */
export function factsOfNewIdentities(keys: ReadonlyArray<{ channel: string; channelUserId: string }>): CustomerFacts {
  return factsOfIdentities([...keys].sort((a, b) => (a.channel < b.channel ? -1 : a.channel > b.channel ? 1 : 0)));
}

/** The facts of a contact's identities, given oldest first. */
export function factsOfIdentities(rows: ReadonlyArray<{ channel: string; channelUserId: string }>): CustomerFacts {
  return {
    crmCustomerIds: rows.filter((r) => r.channel === CRM).map((r) => r.channelUserId),
    phoneE164: rows.find((r) => r.channel === PHONE)?.channelUserId ?? '',
    identities: rows.map((r) => create(ContactIdentitySchema, { namespace: r.channel, value: r.channelUserId })),
  };
}

export function customerRef(contactId: string, channel: Channel, channelUserId: string, accountId: string, facts: CustomerFacts): CustomerRef {
  return create(CustomerRefSchema, { contactId, channel, channelUserId, accountId, crmCustomerIds: facts.crmCustomerIds, phoneE164: facts.phoneE164 });
}
