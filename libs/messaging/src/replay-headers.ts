/**
 * Headers of a replayed record (npm run replay, docs/operations.md). A replay re-publishes records
 * of a topic under a new CloudEvents id derived from the original id and the replay id: the
 * consumer's inbox sees a new event (so the replay is applied, deliberately bypassing the inbox),
 * and the same replay run twice derives the same ids (so it is applied once).
 */
export const REPLAY_HEADERS = {
  /** The replay run. */
  id: 'omni_replay_id',
  /** The only service that applies the record; other consumers of the topic skip it. */
  forService: 'omni_replay_for',
  /** Where the original record was: `<partition>:<offset>`. */
  from: 'omni_replayed_from',
  /** The original CloudEvents id. */
  originalId: 'omni_replayed_ce_id',
} as const;

/** The CloudEvents id of a record replayed by one replay run. */
export function replayEventId(originalId: string, replayId: string): string {
  return `${originalId}~replay:${replayId}`;
}

/** Whether a consumer of `service` applies a record with these headers (not a replay for another service). */
export function isForService(headers: Record<string, string>, service: string): boolean {
  const target = headers[REPLAY_HEADERS.forService];
  return target === undefined || target === service;
}
