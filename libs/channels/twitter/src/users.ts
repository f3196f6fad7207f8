import { asObject, asString, type JsonObject } from './fields';

export interface XProfile {
  username?: string;
  name?: string;
}

/**
 * The `users` map that rides along with DM events, read the same way for both envelopes:
 * Account Activity gives `{<id>: {id, name, screen_name, …}}`, the X Activity API gives
 * `{<id>: {data: {id, name, username, …}}}` (docs/channels/twitter.md).
 */
export function readUsers(value: unknown): Map<string, XProfile> {
  const users = new Map<string, XProfile>();
  const map = asObject(value);
  if (!map) return users;
  for (const [id, entry] of Object.entries(map)) {
    const outer = asObject(entry);
    if (!outer) continue;
    const user: JsonObject = asObject(outer['data']) ?? outer;
    users.set(id, {
      username: asString(user['username']) ?? asString(user['screen_name']),
      name: asString(user['name']),
    });
  }
  return users;
}
