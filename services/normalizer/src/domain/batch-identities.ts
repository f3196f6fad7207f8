import type { EntityManager } from 'typeorm';
import { findIdentities, type IdentityKey } from './contacts';
import type { IdentityEntity } from './entities';

type Key = Pick<IdentityKey, 'channel' | 'channelUserId'>;

const nameOf = (k: Key): string => `${k.channel}\u0000${k.channelUserId}`;

/**
 * The identities of a consumed batch's customers: looked up for all its messages in one statement
 * at the first of them (instead of one lookup per message), then kept current with what the batch
 * itself attaches, so a customer's second message in the batch finds the contact its first one
 * created.
 *
 * Only an answer it is sure of is given: keys it did not look up, and keys the batch found taken
 * by someone else, are looked up in the database again. What other transactions change meanwhile
 * is caught where it was before: the owner's contact is locked and re-read (an erased or merged
 * contact sends the caller to a fresh lookup), and an identity attached meanwhile makes the
 * caller's insert report it taken, and the caller looks again.
 */
export class BatchIdentities {
  private constructor(
    private readonly known: Map<string, IdentityEntity>,
    private readonly looked: Set<string>,
  ) {}

  static async prepare(manager: EntityManager, keys: readonly Key[]): Promise<BatchIdentities> {
    const unique = [...new Map(keys.map((k) => [nameOf(k), { channel: k.channel, channelUserId: k.channelUserId }])).values()];
    const rows = await findIdentities(manager, unique);
    return new BatchIdentities(new Map(rows.map((r) => [nameOf(r), r])), new Set(unique.map(nameOf)));
  }

  /** The identities among `keys`, in key order (as the lookup returns them), or undefined when one of them must be looked up. */
  find(keys: readonly Key[]): IdentityEntity[] | undefined {
    if (!keys.every((k) => this.looked.has(nameOf(k)))) return undefined;
    return keys.flatMap((k) => this.known.get(nameOf(k)) ?? []);
  }

  /** The batch attached `keys` to `contactId`, except those `taken` by someone else (unknown from now on). */
  attached(contactId: string, keys: readonly IdentityKey[], taken: readonly Key[]): void {
    const lost = new Set(taken.map(nameOf));
    for (const key of keys) {
      const name = nameOf(key);
      if (lost.has(name)) {
        this.forget([key]);
      } else {
        this.known.set(name, { id: '', contactId, channel: key.channel, channelUserId: key.channelUserId, displayName: null, origin: key.origin, createdAt: new Date(0) } as IdentityEntity);
        this.looked.add(name);
      }
    }
  }

  /** These keys are to be looked up in the database again (e.g. identities the batch removed). */
  forget(keys: readonly Key[]): void {
    for (const key of keys) {
      this.known.delete(nameOf(key));
      this.looked.delete(nameOf(key));
    }
  }
}
