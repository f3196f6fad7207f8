import {
  Alternative_Kind,
  Channel,
  create,
  DeliveryPolicy_MessagingType as MessagingType,
  MessagePurpose,
  OutboundRequestedSchema,
  RejectionReason,
  type MessageInitShape,
} from '@omni/contracts';
import { decide, type DecisionInput, type RecipientState } from './decide';
import { parseQuietHours } from './quiet-hours';
import { parseTemplateRegistry } from './templates';

const HOUR = 3_600_000;
const lastMessage = new Date('2026-11-23T10:00:00.000Z');
const at = (ms: number) => new Date(lastMessage.getTime() + ms);

const templates = parseTemplateRegistry(
  JSON.stringify([
    { name: 'delivery_update', language: 'en_US', category: 'UTILITY', components: [{ type: 'body', parameters: ['text', 'date_time'] }, { type: 'button', subType: 'quick_reply', index: 0, parameters: ['payload'] }] },
    { name: 'winter_sale', language: 'en_US', category: 'MARKETING', components: [{ type: 'body', parameters: ['currency'] }] },
  ]),
);
const settings = { templates, quietHours: parseQuietHours('21:00-08:00') };

type RequestInit = MessageInitShape<typeof OutboundRequestedSchema>;
const request = (channel: Channel, extra: Partial<RequestInit> = {}) =>
  create(OutboundRequestedSchema, { id: 'o1', channel, accountId: 'acct', recipient: { channelUserId: 'user-1' }, authorId: 'agent-ana', authorIsHuman: true, content: { text: 'hi' }, contactId: 'contact-1', ...extra } as RequestInit);
const windowed = (channel: Channel, extra: Partial<RecipientState> = {}): RecipientState => ({
  channel,
  channelUserId: 'user-1',
  accountId: 'acct',
  lastInboundAt: lastMessage,
  windowClosesAt: at(24 * HOUR),
  windowKind: 'standard',
  ...extra,
});
const input = (req: ReturnType<typeof request>, now: Date, recipient?: RecipientState, extra: Partial<DecisionInput> = {}): DecisionInput => ({
  request: req,
  now,
  recipient,
  others: [],
  zones: ['America/New_York'],
  ...extra,
});

describe('window boundaries (injectable clock: `now` is an input)', () => {
  it.each([
    ['Messenger agent at 23:59:59.999', Channel.MESSENGER, 24 * HOUR - 1, { outcome: 'approved', messagingType: MessagingType.RESPONSE }],
    ['Messenger agent at 23:59:59', Channel.MESSENGER, 24 * HOUR - 1000, { outcome: 'approved', messagingType: MessagingType.RESPONSE }],
    ['Messenger agent at 24:00:00 → HUMAN_AGENT', Channel.MESSENGER, 24 * HOUR, { outcome: 'approved', messagingType: MessagingType.MESSAGE_TAG, tag: 'HUMAN_AGENT' }],
    ['Messenger agent at 7 days − 1 s → HUMAN_AGENT', Channel.MESSENGER, 7 * 24 * HOUR - 1000, { outcome: 'approved', messagingType: MessagingType.MESSAGE_TAG, tag: 'HUMAN_AGENT' }],
    ['Messenger agent at exactly 7 days → refused', Channel.MESSENGER, 7 * 24 * HOUR, { outcome: 'rejected', reason: RejectionReason.WINDOW_CLOSED }],
    ['WhatsApp free-form at 23:59:59', Channel.WHATSAPP, 24 * HOUR - 1000, { outcome: 'approved', messagingType: MessagingType.RESPONSE }],
    ['WhatsApp free-form at 24:00:00 → template required', Channel.WHATSAPP, 24 * HOUR, { outcome: 'rejected', reason: RejectionReason.TEMPLATE_REQUIRED }],
  ])('%s', (_name, channel, offset, expected) => {
    expect(decide(input(request(channel), at(offset), windowed(channel)), settings)).toMatchObject(expected);
  });

  it('HUMAN_AGENT carries the 7-day closing time and its rule', () => {
    const decision = decide(input(request(Channel.MESSENGER), at(25 * HOUR), windowed(Channel.MESSENGER)), settings);
    expect(decision).toMatchObject({ outcome: 'approved', windowClosesAt: at(7 * 24 * HOUR), reasons: [{ rule: 'messenger-human-agent' }] });
  });

  it('a bot at 24:00:00 on Messenger is refused with the HUMAN_AGENT hand-over, the other channel and the e-mail event', () => {
    const sms: RecipientState = { channel: Channel.SMS, channelUserId: '+14155550123', accountId: '' };
    const decision = decide(input(request(Channel.MESSENGER, { authorIsHuman: false, authorId: 'bot:router' }), at(24 * HOUR), windowed(Channel.MESSENGER), { others: [sms] }), settings);
    expect(decision).toMatchObject({ outcome: 'rejected', reason: RejectionReason.WINDOW_CLOSED, reasons: [{ rule: 'messenger-window-closed' }] });
    if (decision.outcome !== 'rejected') throw new Error('expected a rejection');
    expect(decision.alternatives.map((a) => [a.kind, a.channel ?? Channel.UNSPECIFIED, a.recipientId])).toEqual([
      [Alternative_Kind.USE_TAG, Channel.MESSENGER, 'user-1'],
      [Alternative_Kind.OTHER_CHANNEL, Channel.SMS, '+14155550123'],
      [Alternative_Kind.EMAIL_FOLLOW_UP, Channel.UNSPECIFIED, 'contact-1'],
    ]);
    // Never a Messenger template: the gateway cannot send one.
    expect(decision.alternatives.some((a) => a.kind === Alternative_Kind.USE_TEMPLATE)).toBe(false);
  });

  it('a proactive Messenger message outside the window is refused (retired tags), never tagged', () => {
    const decision = decide(input(request(Channel.MESSENGER, { purpose: MessagePurpose.TRANSACTIONAL }), at(25 * HOUR), windowed(Channel.MESSENGER)), settings);
    expect(decision).toMatchObject({ outcome: 'rejected', reason: RejectionReason.WINDOW_CLOSED, reasons: [{ rule: 'messenger-tags-retired' }] });
  });

  it('a Click-to-Messenger ad thread stays open for its longer window', () => {
    const ad = windowed(Channel.MESSENGER, { windowClosesAt: at(7 * 24 * HOUR), windowKind: 'ad_referral' });
    expect(decide(input(request(Channel.MESSENGER, { authorIsHuman: false }), at(6 * 24 * HOUR), ad), settings)).toMatchObject({ outcome: 'approved', reasons: [{ rule: 'messenger-ad-referral' }] });
  });

  it('a provider "window closed" answer closes the window until the customer writes again', () => {
    const closed = windowed(Channel.WHATSAPP, { closedByProviderAt: at(2 * HOUR) });
    expect(decide(input(request(Channel.WHATSAPP), at(3 * HOUR), closed), settings)).toMatchObject({ outcome: 'rejected', reason: RejectionReason.TEMPLATE_REQUIRED });
    const reopened = { ...closed, lastInboundAt: at(4 * HOUR), windowClosesAt: at(28 * HOUR) };
    expect(decide(input(request(Channel.WHATSAPP), at(5 * HOUR), reopened), settings)).toMatchObject({ outcome: 'approved' });
  });
});

describe('WhatsApp templates outside the window', () => {
  const template = (components: unknown[], extra: Record<string, unknown> = {}) =>
    request(Channel.WHATSAPP, { authorIsHuman: false, purpose: MessagePurpose.TRANSACTIONAL, content: { template: { name: 'delivery_update', language: 'en_US', components, ...extra } as never } });
  const good = [
    { type: 'body', parameters: [{ type: 'text', value: '#4521' }, { type: 'date_time', value: 'Tuesday 10:00' }] },
    { type: 'button', subType: 'quick_reply', index: 0, parameters: [{ type: 'payload', value: 'TRACK_4521' }] },
  ];
  const now = at(30 * HOUR);

  it('a registered template with the right parameters is approved', () => {
    expect(decide(input(template(good), now, windowed(Channel.WHATSAPP)), settings)).toMatchObject({ outcome: 'approved', messagingType: MessagingType.UPDATE, reasons: [{ rule: 'whatsapp-template' }] });
  });

  it.each([
    ['one body parameter missing', [{ ...good[0], parameters: [good[0]!.parameters[0]] }, good[1]], {}, /takes 2 parameter\(s\), got 1/],
    ['a parameter of the wrong kind', [{ ...good[0], parameters: [good[0]!.parameters[0], { type: 'currency', value: 'EUR 1' }] }, good[1]], {}, /must be date_time, got currency/],
    ['an empty text value', [{ ...good[0], parameters: [{ type: 'text', value: '  ' }, good[0]!.parameters[1]] }, good[1]], {}, /not a valid text value/],
    ['the button left out', [good[0]], {}, /button\/quick_reply\/0 .* takes 1 parameter\(s\), got 0/],
    ['a component the template lacks', [...good, { type: 'header', parameters: [{ type: 'text', value: 'x' }] }], {}, /has no header component/],
    ['an unregistered language', good, { language: 'fr_FR' }, /not in the registry/],
    ['the wrong category', good, { category: 'MARKETING' }, /is UTILITY, not MARKETING/],
  ])('%s is refused with TEMPLATE_INVALID', (_name, components, extra, problem) => {
    const decision = decide(input(template(components as unknown[], extra), now, windowed(Channel.WHATSAPP)), settings);
    expect(decision).toMatchObject({ outcome: 'rejected', reason: RejectionReason.TEMPLATE_INVALID, reasons: [{ rule: 'whatsapp-template-invalid' }] });
    expect(decision.outcome === 'rejected' && decision.detail).toMatch(problem);
  });

  it('free-form outside the window names the concrete registered template', () => {
    const decision = decide(input(request(Channel.WHATSAPP, { purpose: MessagePurpose.TRANSACTIONAL }), now, windowed(Channel.WHATSAPP)), settings);
    expect(decision.outcome === 'rejected' && decision.alternatives[0]).toMatchObject({ kind: Alternative_Kind.USE_TEMPLATE, templateName: 'delivery_update', templateLanguage: 'en_US', recipientId: 'user-1' });
  });
});

describe('content a channel cannot carry (channel capabilities)', () => {
  const tmpl = { template: { name: 'delivery_update', language: 'en_US' } as never };
  it.each([
    ['template on Messenger', Channel.MESSENGER, tmpl],
    ['template on SMS', Channel.SMS, tmpl],
    ['template on X', Channel.TWITTER, tmpl],
    ['media without URL or id', Channel.WHATSAPP, { media: { caption: 'x' } as never }],
    ['nothing at all', Channel.SMS, {}],
  ])('%s → UNSUPPORTED_CONTENT', (_name, channel, content) => {
    expect(decide(input(request(channel, { content }), at(HOUR), windowed(channel)), settings)).toMatchObject({ outcome: 'rejected', reason: RejectionReason.UNSUPPORTED_CONTENT });
  });
});

describe('SMS consent and quiet hours', () => {
  const sms = (consent?: RecipientState['consent']): RecipientState => ({ channel: Channel.SMS, channelUserId: '+33612345678', accountId: '+14155550100', consent });
  const marketing = request(Channel.SMS, { recipient: { channelUserId: '+33612345678' }, purpose: MessagePurpose.MARKETING, authorIsHuman: false });

  it('an opt-out blocks everything, an opt-in allows again', () => {
    expect(decide(input(request(Channel.SMS), at(0), sms('opted_out')), settings)).toMatchObject({ outcome: 'rejected', reason: RejectionReason.OPTED_OUT });
    expect(decide(input(request(Channel.SMS), at(0), sms('opted_in')), settings)).toMatchObject({ outcome: 'approved', reasons: [{ rule: 'sms-consent' }] });
  });

  it.each([
    // Paris is UTC+1 in November: 20:59:59 local is allowed, 21:00:00 local is quiet until 08:00 local (07:00 UTC).
    ['20:59:59 Paris', '2026-11-23T19:59:59Z', ['Europe/Paris'], undefined],
    ['21:00:00 Paris', '2026-11-23T20:00:00Z', ['Europe/Paris'], '2026-11-24T07:00:00.000Z'],
    ['07:59:59 Paris', '2026-11-24T06:59:59Z', ['Europe/Paris'], '2026-11-24T07:00:00.000Z'],
    ['08:00:00 Paris', '2026-11-24T07:00:00Z', ['Europe/Paris'], undefined],
    // 14:00 UTC is 09:00 in New York but 06:00 in Los Angeles: a US number of unknown zone waits for the west coast.
    ['US number, 06:00 in Los Angeles', '2026-11-23T14:00:00Z', ['America/New_York', 'America/Los_Angeles'], '2026-11-23T16:00:00.000Z'],
  ])('marketing at %s', (_name, now, zones, notBefore) => {
    const decision = decide(input(marketing, new Date(now), sms(), { zones }), settings);
    if (notBefore === undefined) expect(decision).toMatchObject({ outcome: 'approved' });
    else expect(decision).toMatchObject({ outcome: 'deferred', reason: RejectionReason.QUIET_HOURS, notBefore: new Date(notBefore), reasons: [{ rule: 'sms-quiet-hours' }] });
  });

  it('transactional SMS ignores quiet hours', () => {
    expect(decide(input(request(Channel.SMS, { purpose: MessagePurpose.TRANSACTIONAL }), new Date('2026-11-23T23:00:00Z'), sms(), { zones: ['Europe/Paris'] }), settings)).toMatchObject({ outcome: 'approved' });
  });
});

describe('X DMs', () => {
  const x = (extra: Partial<RecipientState> = {}): RecipientState => ({ channel: Channel.TWITTER, channelUserId: 'user-1', accountId: 'acct', lastInboundAt: lastMessage, ...extra });
  it('allowed while the recipient accepts DMs, whatever the time since their last message', () => {
    expect(decide(input(request(Channel.TWITTER, { authorIsHuman: false }), at(30 * 24 * HOUR), x()), settings)).toMatchObject({ outcome: 'approved', reasons: [{ rule: 'twitter-accepts-dms' }] });
  });
  it('refused once X said they do not accept DMs, until they write again', () => {
    expect(decide(input(request(Channel.TWITTER), at(2 * HOUR), x({ dmsClosedAt: at(HOUR) })), settings)).toMatchObject({ outcome: 'rejected', reason: RejectionReason.RECIPIENT_UNREACHABLE });
    expect(decide(input(request(Channel.TWITTER), at(4 * HOUR), x({ dmsClosedAt: at(HOUR), lastInboundAt: at(3 * HOUR) })), settings)).toMatchObject({ outcome: 'approved' });
  });
  it('send limits defer, never fail', () => {
    expect(decide(input(request(Channel.TWITTER), at(HOUR), x(), { pacingWaitMs: 60_000 }), settings)).toMatchObject({ outcome: 'deferred', reason: RejectionReason.BUDGET_EXHAUSTED, notBefore: at(HOUR + 60_000) });
  });
});

describe('channels without a rule', () => {
  it('default to "no messaging window" (one table line adds a rule)', () => {
    expect(decide(input(request(99 as Channel), at(1000 * HOUR)), settings)).toMatchObject({ outcome: 'approved', reasons: [{ rule: 'no-window' }] });
  });
  it('Telegram has no messaging window: a bot message days after the last one is approved', () => {
    expect(decide(input(request(Channel.TELEGRAM), at(1000 * HOUR)), settings)).toMatchObject({ outcome: 'approved', reasons: [{ rule: 'no-window' }] });
  });
});
