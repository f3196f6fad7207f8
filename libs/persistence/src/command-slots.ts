import { Slots } from '@omni/messaging';

/**
 * At most `size` callers at a time; the others wait in arrival order. The unit of work runs its
 * commands (HTTP requests, sweeps, timers: `UnitOfWork.run`) through it, so that they can never
 * hold every pooled connection: a burst of commands waiting for a lock otherwise leaves consumed
 * batches waiting for a connection behind them (measured on assignment at 100 webhooks/s: resolve
 * requests held the pool and routed batches waited up to 2 s just to begin).
 */
export class CommandSlots extends Slots {}

/**
 * Pooled connections kept out of the commands' reach: the consumer's concurrently applied batches
 * (three at a time by default, KAFKA_PARTITIONS_CONCURRENTLY) and the outbox relay's marking.
 */
export const CONNECTIONS_KEPT_FOR_CONSUMERS = 4;

/** The command slots of a pool of `poolSize` connections (at least one). */
export function commandSlotsFor(poolSize: number): number {
  return Math.max(1, poolSize - CONNECTIONS_KEPT_FOR_CONSUMERS);
}
