import { randomUUID } from 'node:crypto';
import { ContactLinkedSchema, ContactMergedSchema, create, timestampFromDate, Topics } from '@omni/contracts';
import type { OutboxWriter } from '@omni/persistence';
import type { CustomerFacts } from './customer';

export type MergeCause = 'crm-link' | 'api';

/**
 * omni.contact.merged.v1, keyed by the merged contact's id so it comes after every earlier event a
 * consumer keyed by that id (a CRM's cache of the id learns it became a tombstone).
 */
export function publishMerged(outbox: OutboxWriter, merge: { survivingContactId: string; mergedContactId: string; cause: MergeCause; crmCustomerId?: string; at: Date }): void {
  const id = randomUUID();
  outbox.add(
    Topics.contactMerged,
    merge.mergedContactId,
    create(ContactMergedSchema, {
      id,
      survivingContactId: merge.survivingContactId,
      mergedContactId: merge.mergedContactId,
      cause: merge.cause,
      crmCustomerId: merge.crmCustomerId ?? '',
      mergedAt: timestampFromDate(merge.at),
    }),
    { id },
  );
}

/** omni.contact.linked.v1, keyed by the surviving contact; its merges are published first. */
export function publishLinked(outbox: OutboxWriter, link: { contactId: string; crmCustomerId: string; merged: string[]; created: boolean; facts: CustomerFacts; at: Date }): void {
  for (const mergedContactId of link.merged) {
    publishMerged(outbox, { survivingContactId: link.contactId, mergedContactId, cause: 'crm-link', crmCustomerId: link.crmCustomerId, at: link.at });
  }
  const id = randomUUID();
  outbox.add(
    Topics.contactLinked,
    link.contactId,
    create(ContactLinkedSchema, {
      id,
      contactId: link.contactId,
      crmCustomerId: link.crmCustomerId,
      mergedContactIds: link.merged,
      created: link.created,
      identities: link.facts.identities,
      crmCustomerIds: link.facts.crmCustomerIds,
      phoneE164: link.facts.phoneE164,
      linkedAt: timestampFromDate(link.at),
    }),
    { id },
  );
}
