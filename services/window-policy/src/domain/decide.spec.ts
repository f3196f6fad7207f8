import { Alternative_Kind, Channel, create, DeliveryPolicy_MessagingType, OutboundRequestedSchema, RejectionReason } from '@omni/contracts';
import { decide } from './decide';

const now = new Date('2026-11-23T12:00:00Z');
const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000);
const request = (channel: Channel, extra: Record<string, unknown> = {}) => create(OutboundRequestedSchema, { channel, authorIsHuman: true, content: { text: 'hi' }, ...extra });

describe('outbound gate', () => {
  it.each([
    ['messenger inside 24h', Channel.MESSENGER, 23, true, DeliveryPolicy_MessagingType.RESPONSE, undefined],
    ['messenger human within 7d', Channel.MESSENGER, 30, true, DeliveryPolicy_MessagingType.MESSAGE_TAG, 'HUMAN_AGENT'],
    ['whatsapp inside 24h', Channel.WHATSAPP, 1, true, DeliveryPolicy_MessagingType.RESPONSE, undefined],
    ['sms has no window', Channel.SMS, 1000, true, DeliveryPolicy_MessagingType.RESPONSE, undefined],
    ['telegram has no window', Channel.TELEGRAM, 1000, true, DeliveryPolicy_MessagingType.RESPONSE, undefined],
  ])('%s', (_n, channel, hours, approved, type, tag) => {
    const verdict = decide(request(channel), { lastInboundAt: hoursAgo(hours), optedOut: false, now });
    expect(verdict).toMatchObject({ approved, messagingType: type, ...(tag ? { tag } : {}) });
  });

  it('refuses a bot on Messenger after 24h and says what would work', () => {
    const verdict = decide(request(Channel.MESSENGER, { authorIsHuman: false }), { lastInboundAt: hoursAgo(30), optedOut: false, now });
    expect(verdict).toMatchObject({ approved: false, reason: RejectionReason.WINDOW_CLOSED });
    expect(verdict.approved === false && verdict.alternatives.map((a) => a.kind)).toEqual([Alternative_Kind.USE_TAG, Alternative_Kind.USE_TEMPLATE, Alternative_Kind.OTHER_CHANNEL]);
  });

  it('requires a template on WhatsApp after 24h and lets a template through', () => {
    expect(decide(request(Channel.WHATSAPP), { lastInboundAt: hoursAgo(25), optedOut: false, now })).toMatchObject({ approved: false, reason: RejectionReason.TEMPLATE_REQUIRED });
    expect(decide(request(Channel.WHATSAPP, { content: { template: { name: 'order_update', language: 'en_US' } } }), { lastInboundAt: hoursAgo(25), optedOut: false, now })).toMatchObject({ approved: true });
  });

  it('lets a Telegram bot write a year after the last message, under its own rule', () => {
    expect(decide(request(Channel.TELEGRAM, { authorIsHuman: false }), { lastInboundAt: hoursAgo(24 * 365), optedOut: false, now })).toEqual({
      approved: true,
      messagingType: DeliveryPolicy_MessagingType.RESPONSE,
      reasons: [{ rule: 'telegram-no-window', detail: 'Telegram bots have no messaging window' }],
    });
    expect(decide(request(Channel.TELEGRAM), { optedOut: true, now })).toMatchObject({ approved: false, reason: RejectionReason.OPTED_OUT });
  });

  it('refuses anything to an opted-out contact', () => {
    expect(decide(request(Channel.SMS), { optedOut: true, now })).toMatchObject({ approved: false, reason: RejectionReason.OPTED_OUT });
  });
});
