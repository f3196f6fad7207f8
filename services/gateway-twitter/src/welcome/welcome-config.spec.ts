import { ConfigError, loadConfig } from '@omni/service-kit';
import { businessUserIdOf, TwitterGatewayConfig } from '../gateway-twitter';
import { parseWelcomeMessages, welcomeContentHash } from './welcome-config';

const BASE = { TWITTER_CONSUMER_KEY: 'ck', TWITTER_CONSUMER_SECRET: 'cs', TWITTER_ACCESS_TOKEN: '1111111111111111111-abc', TWITTER_ACCESS_TOKEN_SECRET: 'ats' };

function problems(env: Record<string, string>): Array<{ variable: string; problem: string }> {
  try {
    loadConfig(TwitterGatewayConfig, { ...BASE, ...env }, { PORT: 3101 } as never);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('TWITTER_WELCOME_MESSAGES', () => {
  const sale = { key: 'summer-sale', text: 'Ask us about the summer sale', quickReplies: [{ title: 'Prices', payload: 'PRICES' }, { title: 'Delivery', payload: 'DELIVERY', description: 'When will it arrive?' }] };

  it('parses a JSON array of {key, text, quickReplies?}; absent or empty means none', () => {
    expect(parseWelcomeMessages(undefined)).toEqual([]);
    expect(parseWelcomeMessages('  ')).toEqual([]);
    expect(parseWelcomeMessages(JSON.stringify([sale, { key: 'support', text: 'How can we help?' }]))).toEqual([
      { key: 'summer-sale', text: 'Ask us about the summer sale', quickReplies: [{ title: 'Prices', payload: 'PRICES' }, { title: 'Delivery', payload: 'DELIVERY', description: 'When will it arrive?' }] },
      { key: 'support', text: 'How can we help?' },
    ]);
  });

  it.each([
    ['not JSON', '[{', /not valid JSON/],
    ['not an array', '{"key":"a","text":"b"}', /JSON array/],
    ['a bad key', '[{"key":"summer sale!","text":"b"}]', /\[0\]\.key must be/],
    ['a duplicate key', '[{"key":"a","text":"b"},{"key":"a","text":"c"}]', /\[1\]\.key "a" is used twice/],
    ['an empty text', '[{"key":"a","text":"  "}]', /\[0\]\.text must be a non-empty string/],
    ['an unknown field', '[{"key":"a","text":"b","quick_replies":[]}]', /unknown fields: quick_replies/],
    ['a quick reply without payload', '[{"key":"a","text":"b","quickReplies":[{"title":"x"}]}]', /quickReplies\[0\]\.payload must be a string/],
    ['too many quick replies', JSON.stringify([{ key: 'a', text: 'b', quickReplies: Array.from({ length: 21 }, (_, i) => ({ title: `o${i}`, payload: `p${i}` })) }]), /X's limits/],
  ])('refuses %s, naming the variable and the problem', (_name, value, message) => {
    expect(() => parseWelcomeMessages(value)).toThrow(message);
    const found = problems({ TWITTER_WELCOME_MESSAGES: value });
    expect(found).toHaveLength(1);
    expect(found[0]!.variable).toBe('TWITTER_WELCOME_MESSAGES');
    expect(found[0]!.problem).toMatch(message);
  });

  it('hashes what X would show: text and quick replies count, JSON key order does not', () => {
    const [a] = parseWelcomeMessages(JSON.stringify([sale]));
    const [b] = parseWelcomeMessages('[{"text":"Ask us about the summer sale","quickReplies":[{"payload":"PRICES","title":"Prices"},{"title":"Delivery","payload":"DELIVERY","description":"When will it arrive?"}],"key":"summer-sale"}]');
    expect(welcomeContentHash(a!)).toBe(welcomeContentHash(b!));
    expect(welcomeContentHash({ ...a!, text: 'The sale ends Sunday' })).not.toBe(welcomeContentHash(a!));
    expect(welcomeContentHash({ ...a!, quickReplies: [] })).not.toBe(welcomeContentHash(a!));
    expect(welcomeContentHash(a!)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('gateway-twitter configuration', () => {
  it('validates the business user id and the retry base', () => {
    expect(problems({})).toEqual([]);
    expect(problems({ TWITTER_BUSINESS_USER_ID: '1111111111111111111', GATEWAY_RETRY_BASE_MS: '50' })).toEqual([]);
    expect(problems({ TWITTER_BUSINESS_USER_ID: '@acme' }).map((p) => p.variable)).toEqual(['TWITTER_BUSINESS_USER_ID']);
    expect([...new Set(problems({ GATEWAY_RETRY_BASE_MS: '-5' }).map((p) => p.variable))]).toEqual(['GATEWAY_RETRY_BASE_MS']);
  });

  it('takes the business user id from the variable, else from the access token prefix', () => {
    expect(businessUserIdOf({ TWITTER_BUSINESS_USER_ID: '42', TWITTER_ACCESS_TOKEN: '1111111111111111111-abc' })).toBe('42');
    expect(businessUserIdOf({ TWITTER_ACCESS_TOKEN: '1111111111111111111-abc' })).toBe('1111111111111111111');
    expect(businessUserIdOf({ TWITTER_ACCESS_TOKEN: 'opaque-token' })).toBeUndefined();
  });
});
