import { MalformedPayloadError } from '@omni/channel-sdk';
import { CUSTOMER, loadFixture, PHONE_NUMBER_ID, WABA_ID, webhookRequest } from '../fixtures';
import { inspectWhatsAppWebhook } from './inspect';

describe('inspectWhatsAppWebhook', () => {
  it.each([
    ['text', { accountId: PHONE_NUMBER_ID, threadKey: CUSTOMER }],
    ['statuses', { accountId: PHONE_NUMBER_ID, threadKey: CUSTOMER }],
    ['multi-number', { accountId: PHONE_NUMBER_ID, threadKey: CUSTOMER }],
    ['user-preferences', { accountId: PHONE_NUMBER_ID, threadKey: CUSTOMER }],
    // No customer: keyed by the number itself…
    ['value-errors', { accountId: PHONE_NUMBER_ID, threadKey: PHONE_NUMBER_ID }],
    // …or by the WABA for account-level changes without a number.
    ['template-status-update', { accountId: WABA_ID, threadKey: WABA_ID }],
  ])('%s → %o', (fixture, expected) => {
    expect(inspectWhatsAppWebhook(webhookRequest(loadFixture(fixture)))).toEqual(expected);
  });

  it.each([
    ['not JSON', '<xml/>'],
    ['a page object', '{"object":"page","entry":[{"id":"1","messaging":[]}]}'],
    ['no entries', '{"object":"whatsapp_business_account","entry":[]}'],
    ['changes not an array', '{"object":"whatsapp_business_account","entry":[{"id":"1","changes":{}}]}'],
    ['a change without field', '{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"value":{}}]}]}'],
  ])('refuses %s as malformed', (_name, body) => {
    expect(() => inspectWhatsAppWebhook(webhookRequest(body))).toThrow(MalformedPayloadError);
  });
});
