import { MalformedPayloadError } from '@omni/channel-sdk';
import { asObject, asString, type JsonObject } from './fields';

/**
 * Which of X's two webhook envelopes a body is, and the business user it concerns.
 * - X Activity API: `{data: {event_uuid, filter: {user_id}, event_type, payload}}`; `oauth.revoke`
 *   has an empty filter and names the user in `payload.user_id`.
 * - Account Activity API: `{for_user_id, <kind>_events: […], users, apps}`; `user_event.revoke`
 *   comes without `for_user_id` and names the user in `user_event.revoke.source.user_id`.
 * Anything else is not an X webhook body.
 */
export type Envelope =
  | { kind: 'account-activity'; accountId: string; body: JsonObject }
  | { kind: 'x-activity'; accountId: string; data: JsonObject; payload: JsonObject };

export function classifyEnvelope(body: JsonObject): Envelope {
  const data = asObject(body['data']);
  if (data && typeof data['event_type'] === 'string') {
    const payload = asObject(data['payload']) ?? {};
    const accountId = asString(asObject(data['filter'])?.['user_id']) ?? asString(payload['user_id']) ?? '';
    return { kind: 'x-activity', accountId, data, payload };
  }
  const forUser = asString(body['for_user_id']);
  const keys = Object.keys(body);
  if (forUser === undefined && !keys.some((k) => k.endsWith('_events') || k === 'user_event' || k === 'replay_job_status')) {
    throw new MalformedPayloadError('neither an Account Activity nor an X Activity (data.event_type) body');
  }
  for (const key of MODELLED_AAA_ARRAYS) if (key in body) requireObjectArray(body[key], key);
  const revokedBy = asString(asObject(asObject(asObject(body['user_event'])?.['revoke'])?.['source'])?.['user_id']);
  return { kind: 'account-activity', accountId: forUser ?? revokedBy ?? '', body };
}

/** The Account Activity lists the parser models: each must be an array of objects. */
export const MODELLED_AAA_ARRAYS = ['direct_message_events', 'direct_message_indicate_typing_events', 'direct_message_mark_read_events'] as const;

function requireObjectArray(value: unknown, key: string): void {
  if (!Array.isArray(value)) throw new MalformedPayloadError(`${key} must be an array`, key);
  value.forEach((item, i) => {
    if (!asObject(item)) throw new MalformedPayloadError(`${key}[${i}] must be an object`, `${key}[${i}]`);
  });
}
