import { currentTransactionHooks } from '@omni/persistence';

/**
 * What the assignment domain reports for metrics (the SRE dashboard's queue wait and SLA panels,
 * and the OmniQueueWaitHigh / OmniSlaBreaches alerts). The domain runs as plain functions inside
 * transactions, so the service installs one observer at start-up instead of threading a Metrics
 * object through every call. Inside a unit of work the observation waits for the commit, so a
 * rolled-back attempt that is then retried is counted once.
 */
export interface AssignmentObserver {
  assigned(queue: string, waitSeconds: number): void;
  slaBreached(queue: string, kind: string): void;
  /** How long a transaction waited for the assignment lock (observed at once: contention shows even in attempts that roll back). */
  lockWaited(seconds: number): void;
}

const ignore: AssignmentObserver = { assigned: () => undefined, slaBreached: () => undefined, lockWaited: () => undefined };
let current: AssignmentObserver = ignore;

export function observeAssignmentsWith(observer: AssignmentObserver | undefined): void {
  current = observer ?? ignore;
}

export function observations(): AssignmentObserver {
  const hooks = currentTransactionHooks();
  if (!hooks) return current;
  const observer = current;
  return {
    assigned: (queue, waitSeconds) => hooks.afterCommit(() => observer.assigned(queue, waitSeconds)),
    slaBreached: (queue, kind) => hooks.afterCommit(() => observer.slaBreached(queue, kind)),
    lockWaited: (seconds) => observer.lockWaited(seconds),
  };
}
