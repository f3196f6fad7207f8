import { phoneOfChannelUser, toE164 } from './phone';

describe('toE164 (libphonenumber)', () => {
  it.each([
    ['+33 6 12 34 56 78', {}, '+33612345678'],
    ['+33612345678', {}, '+33612345678'],
    ['0033612345678', {}, '+33612345678'],
    ['00 33 6 12 34 56 78', {}, '+33612345678'],
    ['33612345678', { international: true }, '+33612345678'],
    ['06 12 34 56 78', { defaultCountry: 'FR' }, '+33612345678'],
    ['(415) 555-0123', { defaultCountry: 'US' }, '+14155550123'],
    ['+1 415 555 0123', {}, '+14155550123'],
  ])('reads %s as %s', (input, options, expected) => {
    expect(toE164(input, options)).toBe(expected);
  });

  it('unifies WhatsApp Mexican mobiles (521…) with the number SMS providers use (52…)', () => {
    expect(toE164('5215512345678', { international: true })).toBe('+525512345678');
    expect(toE164('+525512345678')).toBe('+525512345678');
  });

  it.each([['12345'], ['MyShop'], [''], ['+'], ['06 12 34 56 78']])('refuses %j (short code, sender name, national number without a country)', (input) => {
    expect(toE164(input)).toBeUndefined();
  });

  it('derives the phone of WhatsApp and SMS users only', () => {
    expect(phoneOfChannelUser('whatsapp', '33612345678')).toBe('+33612345678');
    expect(phoneOfChannelUser('sms', '0033612345678')).toBe('+33612345678');
    expect(phoneOfChannelUser('sms', '+14155550123')).toBe('+14155550123');
    expect(phoneOfChannelUser('sms', '0612345678', 'FR')).toBe('+33612345678');
    expect(phoneOfChannelUser('messenger', '33612345678')).toBeUndefined();
    expect(phoneOfChannelUser('twitter', '33612345678')).toBeUndefined();
  });
});
