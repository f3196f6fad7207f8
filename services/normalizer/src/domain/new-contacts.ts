import type { EntityManager } from 'typeorm';
import { writeBufferOf, type TransactionHooks, type WriteBuffer } from '@omni/persistence';
import type { ContactEntity } from './entities';
import { insertContactsWithIdentities, type NewIdentity } from './rows';

/** A contact a consumed batch creates for a first-time customer, with the identities it gets. */
export interface NewContact {
  contact: ContactEntity;
  identities: readonly NewIdentity[];
}

/**
 * The contacts a consumed batch creates, written together in one statement (instead of one per
 * first-time customer) before anything reads them: before the batch's conversations (which refer
 * to them), and whenever a lookup of contacts or identities follows. Keyed by contact id.
 */
export type PendingContacts = WriteBuffer<NewContact>;

export function pendingContactsOf(manager: EntityManager, hooks: TransactionHooks): PendingContacts {
  return writeBufferOf(hooks, 'normalizer.contacts', (rows: NewContact[]) => writeNewContacts(manager, rows), (row) => [row.contact.id]);
}

/**
 * An identity a batch gave a new contact belonged to someone else by the time it was written (a
 * concurrent first message from the same person, through another instance). The batch fails, and
 * the consumer replays its records one by one, where each first message looks its customer up
 * again and finds the contact that won.
 */
export class IdentityTakenMeanwhile extends Error {
  constructor(taken: number) {
    super(`${taken} identit${taken === 1 ? 'y' : 'ies'} of this batch's new contacts were taken meanwhile; replaying the batch record by record`);
  }
}

async function writeNewContacts(manager: EntityManager, rows: readonly NewContact[]): Promise<void> {
  const inserted = await insertContactsWithIdentities(manager, rows);
  const expected = rows.reduce((n, row) => n + row.identities.length, 0);
  if (inserted.length < expected) throw new IdentityTakenMeanwhile(expected - inserted.length);
}
