import { createTwitterAdapter } from './adapter';
import { defaultWelcomeRule, registerWelcomeMessages, updateWelcomeMessage, welcomeDeepLink } from './welcome';

describe('welcome messages', () => {
  const configs = [
    { key: 'default', text: 'Hi! How can we help?', quickReplies: [{ title: 'Track my order', payload: 'TRACK_ORDER' }, { title: 'Returns', payload: 'RETURN' }] },
    { key: 'sale', text: 'Ask us about the summer sale.' },
  ];

  it('registers each configured message with welcome_messages/new.json', () => {
    expect(registerWelcomeMessages(configs)).toEqual([
      {
        method: 'POST',
        path: '/1.1/direct_messages/welcome_messages/new.json',
        json: {
          welcome_message: {
            name: 'default',
            message_data: {
              text: 'Hi! How can we help?',
              quick_reply: {
                type: 'options',
                options: [
                  { label: 'Track my order', metadata: 'TRACK_ORDER' },
                  { label: 'Returns', metadata: 'RETURN' },
                ],
              },
            },
          },
        },
        purpose: 'welcome_message default',
      },
      {
        method: 'POST',
        path: '/1.1/direct_messages/welcome_messages/new.json',
        json: { welcome_message: { name: 'sale', message_data: { text: 'Ask us about the summer sale.' } } },
        purpose: 'welcome_message sale',
      },
    ]);
  });

  it('updates a message in place and makes one the default with a rule', () => {
    expect(updateWelcomeMessage('1077201358826000389', configs[1]!)).toEqual({
      method: 'PUT',
      path: '/1.1/direct_messages/welcome_messages/update.json',
      query: { id: '1077201358826000389' },
      json: { message_data: { text: 'Ask us about the summer sale.' } },
      purpose: 'welcome_message sale update',
    });
    expect(defaultWelcomeRule('1077201358826000389')).toEqual({
      method: 'POST',
      path: '/1.1/direct_messages/welcome_messages/rules/new.json',
      json: { welcome_message_rule: { welcome_message_id: '1077201358826000389' } },
      purpose: 'welcome_message_rule',
    });
  });

  it('refuses quick replies X cannot show', () => {
    const tooMany = Array.from({ length: 21 }, (_, i) => ({ title: `O${i}`, payload: `P${i}` }));
    expect(() => registerWelcomeMessages([{ key: 'k', text: 't', quickReplies: tooMany }])).toThrow(/limits/);
  });

  it('signs the update with its id query parameter', () => {
    const adapter = createTwitterAdapter({ consumerKey: 'ck', consumerSecret: 'cs', accessToken: 'at', accessTokenSecret: 'ats' });
    const spec = adapter.toHttp(updateWelcomeMessage('1077201358826000389', configs[1]!), { now: new Date(0), nonce: 'n' });
    expect(spec.pathAndQuery).toBe('/1.1/direct_messages/welcome_messages/update.json?id=1077201358826000389');
    expect(spec.method).toBe('PUT');
  });

  it('builds the compose deep link', () => {
    expect(welcomeDeepLink({ recipientId: '1111111111111111111', welcomeMessageId: '1077201358826000389', text: 'Order #88231' })).toBe(
      'https://x.com/messages/compose?recipient_id=1111111111111111111&welcome_message_id=1077201358826000389&text=Order+%2388231',
    );
    expect(welcomeDeepLink({ recipientId: '1111111111111111111' })).toBe('https://x.com/messages/compose?recipient_id=1111111111111111111');
  });
});
