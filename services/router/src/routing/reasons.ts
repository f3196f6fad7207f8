import { Reasons } from '@omni/contracts';

export interface RouterReason {
  rule: string;
  detail: string;
}

/** The registry names the router emits. */
export const ROUTER_REASONS = [
  Reasons.defaultQueue.rule,
  Reasons.routingRule.rule,
  Reasons.queueFiltered.rule,
  Reasons.queueOverflow.rule,
  Reasons.outOfHours.rule,
  Reasons.escalated.rule,
  Reasons.botHandoff.rule,
  Reasons.botSkipped.rule,
  Reasons.botGaveUp.rule,
  Reasons.reopened.rule,
] as const;
type RouterReasonName = (typeof ROUTER_REASONS)[number];

/** A reason from the registry; a `prefix:` name takes its value (rule id, queue, flow) after it. */
export function reason(name: RouterReasonName, value: string, detail: string): RouterReason {
  return { rule: name.endsWith(':') ? `${name}${value}` : name, detail };
}
