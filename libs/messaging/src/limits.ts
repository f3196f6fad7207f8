/**
 * Size limits that must agree end to end, or a webhook the gateway takes cannot be written to
 * Kafka (it answered 500 and providers retried until they disabled the webhook):
 *
 *   webhook body (WEBHOOK_BODY_LIMIT_BYTES, 413 above)
 *     < one record, body + envelope + headers (MAX_RECORD_BYTES, the producer refuses above)
 *     < the raw topic's and its DLQ's `max.message.bytes` (RAW_TOPIC_MAX_MESSAGE_BYTES, set when
 *       Omni creates or starts on the topic, so a broker default does not decide).
 *
 * Provider webhooks are far smaller (media travel as links or ids; the largest, a Meta batch or
 * an X DM with 10,000 characters, are tens of KB), so 512 KiB refuses nothing a provider sends.
 */
export const WEBHOOK_BODY_LIMIT_BYTES = 512 * 1024;

/** Largest record the producer sends (estimated bytes: key, value, headers); leaves the DLQ's headers room. */
export const MAX_RECORD_BYTES = 1_000_000;

/** `max.message.bytes` of omni.inbound.raw.v1 and its DLQ: the broker default, made explicit. */
export const RAW_TOPIC_MAX_MESSAGE_BYTES = 1_048_576;

/** A record larger than MAX_RECORD_BYTES: it would be refused by the broker, so it is never sent. */
export class RecordTooLargeError extends Error {
  override name = 'RecordTooLargeError';
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`record of ${bytes} bytes exceeds the ${limit}-byte limit`);
  }
}
