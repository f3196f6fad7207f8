import { isSupportedCountry, parsePhoneNumberFromString, type CountryCode, type PhoneNumber } from 'libphonenumber-js/max';

export interface PhoneOptions {
  /** ISO 3166 country for numbers written the national way ("06 12 34 56 78"). */
  defaultCountry?: string;
  /**
   * The input is an international number without its "+" (a WhatsApp wa_id such as
   * "33612345678"): read it as "+" followed by the digits.
   */
  international?: boolean;
}

/**
 * A phone number in E.164 ("+33612345678"), or undefined when the input is not one (short codes,
 * alphanumeric sender ids, garbage). Parsing is libphonenumber's; accepted forms:
 * "+33 6 12 34 56 78", "0033612345678" (the ITU international prefix 00), "33612345678" with
 * `international` (wa_id), national numbers with `defaultCountry`.
 */
export function toE164(input: string, options: PhoneOptions = {}): string | undefined {
  const text = input.trim();
  if (!text) return undefined;
  const country = options.defaultCountry && isSupportedCountry(options.defaultCountry) ? (options.defaultCountry as CountryCode) : undefined;
  const candidates: Array<PhoneNumber | undefined> = [];
  if (text.startsWith('+')) {
    candidates.push(parse(text));
  } else {
    if (country) candidates.push(parse(text, country));
    // "00" is the ITU-recommended international call prefix: 0033… is +33….
    if (text.startsWith('00')) candidates.push(parse(`+${text.slice(2)}`));
    if (options.international) candidates.push(parse(`+${text}`));
  }
  const numbers = candidates.map((n) => n && modernMexican(n));
  const found = numbers.find((n) => n?.isValid()) ?? numbers.find((n) => n?.isPossible());
  return found?.number;
}

function parse(text: string, country?: CountryCode): PhoneNumber | undefined {
  try {
    return parsePhoneNumberFromString(text, country ? { defaultCountry: country } : undefined);
  } catch {
    return undefined;
  }
}

/**
 * WhatsApp still writes Mexican mobiles with the old mobile prefix 1 ("521" + 10 digits), which
 * Mexico dropped in 2019 and SMS providers do not use: the same customer must get one key.
 */
function modernMexican(number: PhoneNumber): PhoneNumber {
  if (number.countryCallingCode === '52' && number.nationalNumber.length === 11 && number.nationalNumber.startsWith('1') && !number.isValid()) {
    const modern = parse(`+52${number.nationalNumber.slice(1)}`);
    if (modern?.isValid()) return modern;
  }
  return number;
}

/** Channels whose user id is (or contains) a phone number, and how to read it. */
export function phoneOfChannelUser(channel: string, channelUserId: string, defaultCountry?: string): string | undefined {
  if (channel === 'whatsapp') return toE164(channelUserId, { international: true });
  if (channel === 'sms') return toE164(channelUserId, { defaultCountry });
  return undefined;
}
