import { createTelegramAdapter } from '@omni/channel-telegram';
import { createLogger, Metrics } from '@omni/observability';
import { telegramBotApi } from '@omni/testing';
import { GatewayRegistrations, registrationDelay, type StartupRegistration } from './registrations';

const BOT_TOKEN = '7000000009:registration-spec-token-0123456789';
const SECRET = 'registration-spec-secret';
const TIMING = { firstRetryMs: 5, maxRetryMs: 40 };

describe('registrationDelay', () => {
  it.each([
    [1, 0, 5],
    [2, 0, 10],
    [4, 0, 40],
    [30, 0, 40], // capped
    [1, 25, 25], // the provider's retry-after wins over a shorter backoff
    [1, 90, 90], // … even past the cap
  ])('attempt %i, retry-after %i ms → %i ms', (attempt, retryAfter, expected) => {
    expect(registrationDelay(attempt, TIMING, retryAfter)).toBe(expected);
  });
});

describe('GatewayRegistrations (fake Telegram Bot API over HTTP)', () => {
  let fake: telegramBotApi.FakeTelegramBotApi;
  let apiBaseUrl: string;
  const adapter = createTelegramAdapter({ botToken: BOT_TOKEN, webhookSecret: SECRET });
  const logger = createLogger({ service: 'registrations-spec', level: 'silent' });
  const make = (publicBaseUrl?: string) => {
    const registrations = new GatewayRegistrations(adapter, { apiBaseUrl, publicBaseUrl, registrationTiming: TIMING }, new Metrics('registrations-spec'), logger);
    return registrations;
  };

  beforeAll(async () => {
    fake = new telegramBotApi.FakeTelegramBotApi({ botToken: BOT_TOKEN });
    apiBaseUrl = await fake.start();
  });
  afterAll(() => fake.stop());
  beforeEach(() => fake.reset());

  it("makes the adapter's setWebhook call once when it succeeds", async () => {
    const registrations = make('https://omni.example.test/');
    registrations.onApplicationBootstrap();
    await registrations.settled();
    expect(fake.webhook).toEqual({ url: 'https://omni.example.test/webhooks/telegram', secret_token: SECRET, allowed_updates: ['message', 'edited_message', 'callback_query', 'my_chat_member'] });
    expect(registrations.status()).toEqual([{ name: 'telegram-webhook', state: 'registered', attempts: 1, lastError: null }]);
  });

  it('keeps trying in the background after provider failures, then registers', async () => {
    fake.failNext(2, { kind: 'server-error' });
    const registrations = make('https://omni.example.test');
    registrations.onApplicationBootstrap();
    // Nothing waits on it: start-up is not blocked while the provider fails.
    expect(registrations.status()[0]!.state).not.toBe('registered');
    await registrations.settled();
    expect(fake.requests.map((r) => [r.apiMethod, r.status])).toEqual([
      ['setWebhook', 502],
      ['setWebhook', 502],
      ['setWebhook', 200],
    ]);
    expect(registrations.status()[0]).toMatchObject({ state: 'registered', attempts: 3 });
  });

  it('stops retrying when the gateway stops', async () => {
    fake.failNext(1_000, { kind: 'server-error' });
    const registrations = make('https://omni.example.test');
    registrations.onApplicationBootstrap();
    await telegramBotApi.waitForRequests(fake, 2);
    await registrations.onModuleDestroy();
    const made = fake.requests.length;
    expect(registrations.status()[0]).toMatchObject({ state: 'retrying', lastError: expect.stringContaining('setWebhook') });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fake.requests.length).toBe(made);
  });

  it('makes no call when the adapter has nothing to register (no public URL)', async () => {
    const registrations = make(undefined);
    registrations.onApplicationBootstrap();
    await registrations.settled();
    expect(fake.requests).toEqual([]);
  });

  it('runs registrations a gateway adds, and refuses one added twice or after start-up', async () => {
    const runs: string[] = [];
    const extra: StartupRegistration = { name: 'extra', run: async () => void runs.push('extra') };
    const registrations = make(undefined);
    registrations.add(extra);
    expect(() => registrations.add(extra)).toThrow(/twice/);
    registrations.onApplicationBootstrap();
    await registrations.settled();
    expect(runs).toEqual(['extra']);
    expect(() => registrations.add({ name: 'late', run: async () => undefined })).toThrow(/after start-up/);
  });
});
