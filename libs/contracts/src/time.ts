import { timestampDate, timestampFromDate, timestampFromMs, type Timestamp } from '@bufbuild/protobuf/wkt';

export { timestampDate, timestampFromDate, timestampFromMs };
export type { Timestamp };

/** Milliseconds since epoch of a protobuf Timestamp, or undefined when unset. */
export function timestampMs(ts: Timestamp | undefined): number | undefined {
  return ts ? timestampDate(ts).getTime() : undefined;
}
