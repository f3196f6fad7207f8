import { Button_Kind, Channel, create, MediaKind, OutboundApprovedSchema, SenderAction, type MessageInitShape, type OutboundContentSchema } from '@omni/contracts';
import { ACCOUNT_SID, BUSINESS_NUMBER, CUSTOMER_NUMBER } from '../fixtures';
import { createSmsAdapter, type SmsAdapterOptions } from './adapter';
import { matchOfferedOption } from './degrade';

const base: SmsAdapterOptions = { accountSid: ACCOUNT_SID, authToken: 'f3a1c2e4b5d6a7f8e9d0c1b2a3f4e5d6', publicBaseUrl: 'https://omni.example.com/' };
const context = { now: new Date('2026-07-24T21:30:00.000Z'), nonce: 'unused' };
const path = `/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`;
const basic = `Basic ${Buffer.from(`${ACCOUNT_SID}:f3a1c2e4b5d6a7f8e9d0c1b2a3f4e5d6`).toString('base64')}`;
const headers = { authorization: basic, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' };
const callback = 'https://omni.example.com/webhooks/twilio/status';

function approved(content: MessageInitShape<typeof OutboundContentSchema>, accountId = BUSINESS_NUMBER) {
  return create(OutboundApprovedSchema, {
    id: 'out-1',
    request: { id: 'req-1', channel: Channel.SMS, accountId, recipient: { channelUserId: CUSTOMER_NUMBER }, content },
  });
}

function send(content: MessageInitShape<typeof OutboundContentSchema>, options: Partial<SmsAdapterOptions> = {}, accountId?: string) {
  const adapter = createSmsAdapter({ ...base, ...options });
  return adapter.format(approved(content, accountId)).map((r) => ({ purpose: r.purpose, http: adapter.toHttp(r, context) }));
}

const form = (pairs: Array<[string, string]>) => new URLSearchParams(pairs).toString();

describe('SMS outbound: format + toHttp', () => {
  it('sends text from the conversation number with Basic auth and a status callback', () => {
    expect(send({ text: 'Yes, see you at 3pm!' })).toEqual([
      {
        purpose: 'text',
        http: {
          method: 'POST',
          pathAndQuery: path,
          headers,
          body: form([
            ['To', CUSTOMER_NUMBER],
            ['From', BUSINESS_NUMBER],
            ['Body', 'Yes, see you at 3pm!'],
            ['StatusCallback', callback],
          ]),
        },
      },
    ]);
  });

  it('uses the Messaging Service when configured, and the configured number when the outbound has none', () => {
    const [viaService] = send({ text: 'hi' }, { messagingServiceSid: 'MG9f8e7d6c5b4a39281706f5e4d3c2b1a0' });
    expect(viaService!.http.body).toBe(form([['To', CUSTOMER_NUMBER], ['MessagingServiceSid', 'MG9f8e7d6c5b4a39281706f5e4d3c2b1a0'], ['Body', 'hi'], ['StatusCallback', callback]]));
    const [viaNumber] = send({ text: 'hi' }, { fromNumber: '+14155550199' }, '');
    expect(viaNumber!.http.body).toBe(form([['To', CUSTOMER_NUMBER], ['From', '+14155550199'], ['Body', 'hi'], ['StatusCallback', callback]]));
    expect(() => send({ text: 'hi' }, {}, '')).toThrow(/no sender/);
  });

  it('honours a custom status callback path', () => {
    const [request] = send({ text: 'hi' }, { statusCallbackPath: '/hooks/sms-status' });
    expect(new URLSearchParams(request!.http.body).get('StatusCallback')).toBe('https://omni.example.com/hooks/sms-status');
  });

  it('splits a body over 1,600 characters, each part with its own status callback', () => {
    const requests = send({ text: `${'a'.repeat(1_590)} ${'b'.repeat(20)}` });
    expect(requests.map((r) => r.purpose)).toEqual(['text 1/2', 'text 2/2']);
    expect(requests.map((r) => Object.fromEntries(new URLSearchParams(r.http.body)))).toEqual([
      { To: CUSTOMER_NUMBER, From: BUSINESS_NUMBER, Body: 'a'.repeat(1_590), StatusCallback: callback },
      { To: CUSTOMER_NUMBER, From: BUSINESS_NUMBER, Body: 'b'.repeat(20), StatusCallback: callback },
    ]);
  });

  it('sends media as MediaUrl on the first part, with the caption in the body', () => {
    const [request] = send({ text: 'Your label', media: { kind: MediaKind.IMAGE, url: 'https://cdn.example.com/label.png', caption: 'Print it' } });
    expect(request!.http.body).toBe(
      form([['To', CUSTOMER_NUMBER], ['From', BUSINESS_NUMBER], ['Body', 'Your label\nPrint it'], ['MediaUrl', 'https://cdn.example.com/label.png'], ['StatusCallback', callback]]),
    );
    const [alone] = send({ media: { kind: MediaKind.IMAGE, url: 'https://cdn.example.com/label.png' } });
    expect(alone!.purpose).toBe('media');
    expect(alone!.http.body).toBe(form([['To', CUSTOMER_NUMBER], ['From', BUSINESS_NUMBER], ['MediaUrl', 'https://cdn.example.com/label.png'], ['StatusCallback', callback]]));
  });

  it('degrades quick replies, buttons and cards to a numbered list and lines', () => {
    const content = {
      text: 'Reschedule?',
      quickReplies: [{ title: 'Tomorrow 10am', payload: 'SLOT_10' }, { title: 'Tomorrow 2pm', payload: 'SLOT_14' }],
      buttons: [
        { kind: Button_Kind.POSTBACK, title: 'Cancel it', value: 'CANCEL_APPT' },
        { kind: Button_Kind.URL, title: 'Manage online', value: 'https://clinic.example.com/a/77' },
      ],
    };
    const [request] = send(content);
    expect(new URLSearchParams(request!.http.body).get('Body')).toBe(
      'Reschedule?\nManage online: https://clinic.example.com/a/77\n1. Tomorrow 10am\n2. Tomorrow 2pm\n3. Cancel it',
    );
    // …and the customer's reply maps back to the payload we offered.
    const offered = approved(content).request!.content!;
    expect(matchOfferedOption('2', offered)?.payload).toBe('SLOT_14');
    expect(matchOfferedOption(' #3 ', offered)?.payload).toBe('CANCEL_APPT');
    expect(matchOfferedOption('tomorrow 10AM', offered)?.payload).toBe('SLOT_10');
    expect(matchOfferedOption('4', offered)).toBeUndefined();
    expect(matchOfferedOption('maybe', offered)).toBeUndefined();
  });

  it('makes no request for typing, mark-read or reactions (SMS has none)', () => {
    expect(send({ senderAction: SenderAction.TYPING_ON })).toEqual([]);
    expect(send({ senderAction: SenderAction.MARK_SEEN })).toEqual([]);
    expect(send({ reaction: { targetProviderMessageId: 'SM1', emoji: '👍' } })).toEqual([]);
  });

  it('refuses a template rather than sending nothing', () => {
    expect(() => send({ template: { name: 'appointment_reminder', language: 'en' } })).toThrow(/templates/);
  });
});
