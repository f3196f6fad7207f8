import type { ConsumedEvent } from './consumer';

/**
 * What the consumer wraps around a batch of records from one partition so their effects commit
 * together. The persistence lib implements it as one database transaction (inbox rows, effects,
 * outbox rows), which handlers join through the UnitOfWork without knowing they are batched.
 *
 * Contract: `run` resolves only once everything `apply` did is durable; when it rejects, nothing
 * `apply` did may remain (the consumer then replays the records one by one). The messaging lib
 * knows nothing of databases: a service without one simply has no scope.
 */
export interface BatchScope {
  run(events: ReadonlyArray<ConsumedEvent<unknown>>, apply: () => Promise<void>): Promise<void>;
}

/** Nest token under which a service's BatchScope is provided (optional). */
export const BATCH_SCOPE = Symbol('omni.batch-scope');
