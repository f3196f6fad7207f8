import { MalformedPayloadError } from '@omni/channel-sdk';
import { Channel, MediaKind } from '@omni/contracts';
import { ACCOUNT_SID, BUSINESS_NUMBER, CUSTOMER_NUMBER, FIXTURE_NAMES, fixture, webhookPathOf, webhookRequest } from '../fixtures';
import { createSmsAdapter } from './adapter';

const adapter = createSmsAdapter({ accountSid: ACCOUNT_SID, authToken: 'token', publicBaseUrl: 'https://omni.example.com' });

describe('createSmsAdapter', () => {
  it('identifies the channel and serves the inbound and status paths', () => {
    expect(adapter.channel).toBe(Channel.SMS);
    expect(adapter.slug).toBe('sms');
    expect(adapter.webhookPaths).toEqual(['/webhooks/twilio/sms', '/webhooks/twilio/status']);
    expect(adapter.handshake).toBeUndefined();
  });

  it('declares SMS capabilities', () => {
    expect(adapter.capabilities).toEqual({
      textLimit: 1_600,
      quickReplyLimit: 0,
      quickReplyTitleLimit: 0,
      buttonLimit: 0,
      carouselLimit: 0,
      mediaKinds: [MediaKind.IMAGE, MediaKind.ANIMATED_GIF, MediaKind.VIDEO, MediaKind.AUDIO, MediaKind.FILE],
      templates: false,
      receipts: { delivery: true, read: false },
      typingIndicator: false,
      markSeen: false,
      echoes: false,
      window: { kind: 'none', hours: 0, outside: 'none' },
    });
  });

  it('acknowledges with empty TwiML', () => {
    expect(adapter.acknowledge!(webhookRequest({ rawBody: fixture('inbound-text') }))).toEqual({
      status: 200,
      contentType: 'text/xml',
      body: '<?xml version="1.0" encoding="UTF-8"?><Response></Response>',
    });
  });

  it.each(FIXTURE_NAMES)('inspects %s: business number as account, customer number as thread', (name) => {
    expect(adapter.inspect(webhookRequest({ rawBody: fixture(name), path: webhookPathOf(name) }))).toEqual({ accountId: BUSINESS_NUMBER, threadKey: CUSTOMER_NUMBER });
  });

  it('rejects a body that is not a Twilio message webhook', () => {
    expect(() => adapter.inspect(webhookRequest({ rawBody: Buffer.from('hello=world') }))).toThrow(MalformedPayloadError);
  });
});
