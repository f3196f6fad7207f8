import { create, ContactProfileSchema, type ContactProfile } from '@omni/contracts';
import type { CustomerFacts } from './customer';
import type { ContactEntity } from './entities';

interface Money {
  amount?: number;
  currency?: string;
}

/**
 * The contact's CRM attributes as the canonical ContactProfile carried on every normalized
 * message, so the router can use tier, value, orders and cart without reading our schema, and
 * name the customer (CRM ids, phone) on the conversation events it starts.
 */
export function profileOf(contact: Pick<ContactEntity, 'attributes' | 'locale' | 'timezone'>, facts?: Pick<CustomerFacts, 'crmCustomerIds' | 'phoneE164'>): ContactProfile {
  const attributes = contact.attributes ?? {};
  const lifetimeValue = attributes.lifetimeValue as Money | undefined;
  const cart = attributes.cart as { items?: number; value?: Money } | undefined;
  const openOrders = attributes.openOrders;
  return create(ContactProfileSchema, {
    tier: typeof attributes.tier === 'string' ? attributes.tier : '',
    lifetimeValue: lifetimeValue?.amount ?? 0,
    lifetimeValueCurrency: lifetimeValue?.currency ?? '',
    openOrders: Array.isArray(openOrders) ? openOrders.length : typeof openOrders === 'number' ? openOrders : 0,
    cartItems: cart?.items ?? 0,
    cartValue: cart?.value?.amount ?? 0,
    cartCurrency: cart?.value?.currency ?? '',
    preferredChannel: typeof attributes.preferredChannel === 'string' ? attributes.preferredChannel : '',
    language: contact.locale ?? '',
    timezone: contact.timezone ?? '',
    crmCustomerIds: facts?.crmCustomerIds ?? [],
    phoneE164: facts?.phoneE164 ?? '',
  });
}
