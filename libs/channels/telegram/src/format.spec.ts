import { withContent } from '@omni/channel-sdk/testing';
import { Button_Kind, MediaKind, SenderAction } from '@omni/contracts';
import { CHAT_ID, telegramConformanceFixtures } from '../fixtures';
import { formatTelegramOutbound } from './format';

const base = telegramConformanceFixtures.outbound.base;
const format = (content: Parameters<typeof withContent>[1]) => formatTelegramOutbound(withContent(base, content));

describe('formatTelegramOutbound', () => {
  it.each([
    ['text', { text: 'Hello' }, [{ method: 'POST', path: '/sendMessage', json: { chat_id: CHAT_ID, text: 'Hello' }, purpose: 'text' }]],
    [
      'quick replies as an inline keyboard',
      { text: 'Pick a slot', quickReplies: [{ title: 'Morning', payload: 'SLOT_AM' }, { title: 'Afternoon', payload: 'SLOT_PM' }] },
      [
        {
          method: 'POST',
          path: '/sendMessage',
          json: { chat_id: CHAT_ID, text: 'Pick a slot', reply_markup: { inline_keyboard: [[{ text: 'Morning', callback_data: 'SLOT_AM' }], [{ text: 'Afternoon', callback_data: 'SLOT_PM' }]] } },
          purpose: 'text',
        },
      ],
    ],
    [
      'a payload over 64 bytes: options written out',
      { text: 'Pick', quickReplies: [{ title: 'Yes', payload: 'Y'.repeat(65) }, { title: 'No', payload: 'N' }] },
      [{ method: 'POST', path: '/sendMessage', json: { chat_id: CHAT_ID, text: 'Pick\n1. Yes\n2. No' }, purpose: 'text' }],
    ],
    [
      'URL and phone buttons',
      { text: 'Track it', buttons: [{ kind: Button_Kind.URL, title: 'Track', value: 'https://shop.example.test/t/1' }, { kind: Button_Kind.PHONE, title: 'Call us', value: '+351210000000' }] },
      [
        {
          method: 'POST',
          path: '/sendMessage',
          json: { chat_id: CHAT_ID, text: 'Track it\n1. Call us: +351210000000', reply_markup: { inline_keyboard: [[{ text: 'Track', url: 'https://shop.example.test/t/1' }]] } },
          purpose: 'text',
        },
      ],
    ],
    ['typing', { senderAction: SenderAction.TYPING_ON }, [{ method: 'POST', path: '/sendChatAction', json: { chat_id: CHAT_ID, action: 'typing' }, purpose: 'typing' }]],
    ['typing off: nothing to send', { senderAction: SenderAction.TYPING_OFF }, []],
    [
      'an image with its caption',
      { media: { kind: MediaKind.IMAGE, url: 'https://cdn.example.test/a.jpg', caption: 'Your parcel' } },
      [{ method: 'POST', path: '/sendPhoto', json: { chat_id: CHAT_ID, photo: 'https://cdn.example.test/a.jpg', caption: 'Your parcel' }, purpose: 'media' }],
    ],
  ])('%s', (_name, content, expected) => {
    expect(format(content)).toEqual(expected);
  });

  it('splits long text and puts the keyboard on the last part', () => {
    const requests = format({ text: 'word '.repeat(1500), quickReplies: [{ title: 'OK', payload: 'OK' }] });
    expect(requests).toHaveLength(2);
    expect((requests[0]!.json as { reply_markup?: unknown }).reply_markup).toBeUndefined();
    expect((requests[1]!.json as { reply_markup?: unknown }).reply_markup).toBeDefined();
  });

  it('refuses templates', () => {
    expect(() => format({ template: { name: 'x', language: 'en' } })).toThrow(/templates/);
  });
});
