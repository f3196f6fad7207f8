import { MalformedPayloadError } from '@omni/channel-sdk';
import { loadFixture, PAGE_ID, PSID, webhookRequest } from '../fixtures';
import { inspectMessengerWebhook } from './inspect';

describe('inspectMessengerWebhook', () => {
  it.each([
    ['text', { accountId: PAGE_ID, threadKey: PSID }],
    ['batched', { accountId: PAGE_ID, threadKey: PSID }],
    // An echo's customer is the recipient: the Page is the sender.
    ['echo', { accountId: PAGE_ID, threadKey: PSID }],
    ['standby', { accountId: PAGE_ID, threadKey: PSID }],
    // No sender: keyed by the Page.
    ['policy-enforcement', { accountId: PAGE_ID, threadKey: PAGE_ID }],
  ])('%s → %o', (fixture, expected) => {
    expect(inspectMessengerWebhook(webhookRequest(loadFixture(fixture)))).toEqual(expected);
  });

  it.each([
    ['not JSON', 'hello'],
    ['another object', '{"object":"instagram","entry":[{"id":"1","messaging":[]}]}'],
    ['no entries', '{"object":"page","entry":[]}'],
    ['entry not an object', '{"object":"page","entry":["x"]}'],
    ['standby not an array', '{"object":"page","entry":[{"id":"1","standby":{}}]}'],
  ])('refuses %s as malformed', (_name, body) => {
    expect(() => inspectMessengerWebhook(webhookRequest(body))).toThrow(MalformedPayloadError);
  });
});
