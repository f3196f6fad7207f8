/**
 * What the assignment domain reports for metrics (the SRE dashboard's queue wait and SLA panels,
 * and the OmniQueueWaitHigh / OmniSlaBreaches alerts). The domain runs as plain functions inside
 * transactions, so the service installs one observer at start-up instead of threading a Metrics
 * object through every call. Observed inside the transaction: a rolled-back attempt that is then
 * retried is counted twice, which a rate over minutes does not notice.
 */
export interface AssignmentObserver {
  assigned(queue: string, waitSeconds: number): void;
  slaBreached(queue: string, kind: string): void;
}

const ignore: AssignmentObserver = { assigned: () => undefined, slaBreached: () => undefined };
let current: AssignmentObserver = ignore;

export function observeAssignmentsWith(observer: AssignmentObserver | undefined): void {
  current = observer ?? ignore;
}

export function observations(): AssignmentObserver {
  return current;
}
