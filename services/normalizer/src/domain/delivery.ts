import { DeliveryState } from '@omni/contracts';

/**
 * Delivery states only move forward: a late "delivered" never overwrites "read" (receipts arrive
 * out of order: a read receipt may come before its delivery receipt). "failed" ends everything.
 */
export const STATE_RANK: Readonly<Record<string, number>> = { accepted: 1, sent: 2, delivered: 3, read: 4, failed: 5 };

export function stateName(state: DeliveryState): string {
  return DeliveryState[state]?.toLowerCase() ?? 'unspecified';
}

export function rankOf(state: string | null | undefined): number {
  return STATE_RANK[state ?? ''] ?? 0;
}

/** The further of two states (null when neither is a delivery state). */
export function furthest(a: string | null | undefined, b: string | null | undefined): string | null {
  const best = rankOf(a) >= rankOf(b) ? a : b;
  return rankOf(best) > 0 ? best! : null;
}

/** SQL for the rank of a `delivery_state` column, for set-based monotonic updates. */
export function rankSql(column: string): string {
  return `(CASE ${column} ${Object.entries(STATE_RANK)
    .map(([state, rank]) => `WHEN '${state}' THEN ${rank}`)
    .join(' ')} ELSE 0 END)`;
}
