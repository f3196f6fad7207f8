import { MalformedPayloadError } from '@omni/channel-sdk';
import { Channel, ConsentState, Direction, timestampFromMs } from '@omni/contracts';
import { BOT_ID, rawWebhook } from '../fixtures';
import { parseTelegramUpdate } from './parse';

describe('parseTelegramUpdate', () => {
  it('reads a private text message, keyed by bot, chat and message id', () => {
    expect(parseTelegramUpdate(rawWebhook('text'))).toEqual([
      {
        type: 'message',
        dedupeKey: `${BOT_ID}:5550001234:4021`,
        message: {
          channel: Channel.TELEGRAM,
          providerMessageId: `${BOT_ID}:5550001234:4021`,
          direction: Direction.INBOUND,
          accountId: BOT_ID,
          sender: { channelUserId: '5550001234', displayName: 'Ana Silva', username: 'ana_s', locale: 'pt-br' },
          providerTimestamp: timestampFromMs(1717171717000),
          content: { kind: { case: 'text', value: { text: 'Olá! Is my order on its way? 📦' } } },
        },
      },
    ]);
  });

  it('gives the same message id two ids when two bots receive it (no cross-bot collision)', () => {
    const [a] = parseTelegramUpdate(rawWebhook('text', '7000000001'));
    const [b] = parseTelegramUpdate(rawWebhook('text', '7000000002'));
    expect(a!.dedupeKey).not.toBe(b!.dedupeKey);
  });

  it('turns a pressed inline button into a quick-reply answer with its label', () => {
    const [event] = parseTelegramUpdate(rawWebhook('callback-query'));
    expect(event).toMatchObject({
      type: 'message',
      dedupeKey: `${BOT_ID}:cb:4382bfdwdsb323b2d9`,
      message: { sender: { channelUserId: '5550001234', displayName: 'Ana' }, content: { kind: { case: 'quickReply', value: { payload: 'SLOT_PM', text: 'Afternoon' } } } },
    });
  });

  it.each([
    ['blocked', ConsentState.OPTED_OUT, 'my_chat_member:kicked'],
    ['restarted', ConsentState.OPTED_IN, 'my_chat_member:member'],
  ])('%s: a consent change for the user', (name, state, keyword) => {
    expect(parseTelegramUpdate(rawWebhook(name))).toEqual([
      {
        type: 'consent',
        dedupeKey: expect.stringMatching(new RegExp(`^${BOT_ID}:member:\\d+$`)),
        consent: { channel: Channel.TELEGRAM, channelUserId: '5550001234', accountId: BOT_ID, state, keyword, occurredAt: expect.anything() },
      },
    ]);
  });

  it.each([
    ['photo', 'message:photo'],
    ['edited-message', 'edited_message'],
    ['group-message', 'message'],
  ])('%s: kept as unsupported (%s)', (name, providerType) => {
    const [event] = parseTelegramUpdate(rawWebhook(name));
    expect(event).toMatchObject({ type: 'message', message: { content: { kind: { case: 'unsupported', value: { providerType } } } } });
  });

  it('refuses a record without a bot id as account', () => {
    expect(() => parseTelegramUpdate(rawWebhook('text', ''))).toThrow(MalformedPayloadError);
  });
});
