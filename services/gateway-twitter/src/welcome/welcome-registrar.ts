import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DataSource, type QueryRunner, type Repository } from 'typeorm';
import type { CanonicalErrorInit, ChannelAdapter, ProviderRequest } from '@omni/channel-sdk';
import { registerWelcomeMessages, updateWelcomeMessage, welcomeDeepLink, type WelcomeMessageConfig } from '@omni/channel-twitter';
import { ErrorCode } from '@omni/contracts';
import { callProvider, CHANNEL_ADAPTER, GATEWAY_OPTIONS, GatewayRegistrations, type GatewayOptions, type StartupRegistration } from '@omni/gateway-kit';
import { LOGGER } from '@omni/messaging';
import { Metrics, type Logger } from '@omni/observability';
import { schemaOf } from '@omni/persistence';
import { welcomeContentHash } from './welcome-config';
import { WelcomeMessageEntity } from './welcome-message.entity';

export const WELCOME_SETTINGS = Symbol('omni.twitter.welcome-settings');

export interface WelcomeSettings {
  messages: readonly WelcomeMessageConfig[];
  /** The business account's X id: the `recipient_id` of deep links. Without it there are no links. */
  businessUserId?: string;
  /** Attempts per X call for retryable errors (default 3); the first backoff is retryBaseMs. */
  maxAttempts?: number;
}

export type WelcomeStatus = 'pending' | 'registered' | 'failed';

export interface WelcomeMessageState {
  key: string;
  /** X's id; kept from an earlier registration when this start-up's attempt failed. */
  welcomeMessageId: string | null;
  deepLink: string | null;
  status: WelcomeStatus;
  /** Why the last attempt failed (canonical error message; never message text or secrets). */
  error: string | null;
}

type Outcome = 'created' | 'updated' | 'recreated' | 'unchanged' | 'failed';

/** Raised inside one registration so the loop can record the failure and go on with the next key. */
class RegistrationError extends Error {
  constructor(readonly error: CanonicalErrorInit) {
    super(error.message ?? 'welcome message registration failed');
  }
}

/**
 * Registers the configured welcome messages at X when the gateway starts, and keeps them in step
 * with the configuration: new key → `welcome_messages/new`, changed content → `update` in place
 * (same id, so published deep links keep working; a message deleted at X is created again),
 * unchanged → nothing. Ids and content hashes live in `gateway_twitter.welcome_messages`; a
 * PostgreSQL advisory lock keeps two replicas starting together from creating a message twice.
 *
 * It is one of the gateway's start-up registrations (gateway-kit's `GatewayRegistrations`): it
 * runs in the background, webhooks are served at once, and a failure (X down, no v1.1 access) is
 * logged and counted (`omni_twitter_welcome_messages_total{outcome="failed"}`), never fatal; keys
 * that failed are tried again later with backoff (unchanged ones cost no call).
 */
@Injectable()
export class WelcomeMessageRegistrar implements StartupRegistration, OnApplicationBootstrap, OnModuleDestroy {
  readonly name = 'welcome-messages';
  private readonly states = new Map<string, WelcomeMessageState>();
  private running?: Promise<void>;
  private signal?: AbortSignal;

  constructor(
    @Inject(CHANNEL_ADAPTER) private readonly adapter: ChannelAdapter,
    @Inject(GATEWAY_OPTIONS) private readonly options: GatewayOptions,
    @Inject(WELCOME_SETTINGS) private readonly settings: WelcomeSettings,
    private readonly dataSource: DataSource,
    private readonly metrics: Metrics,
    @Inject(LOGGER) private readonly logger: Logger,
    registrations: GatewayRegistrations,
  ) {
    for (const config of settings.messages) this.states.set(config.key, { key: config.key, welcomeMessageId: null, deepLink: null, status: 'pending', error: null });
    if (settings.messages.length) registrations.add(this);
  }

  onApplicationBootstrap(): void {
    if (this.settings.messages.length && !this.settings.businessUserId) {
      this.logger.warn({ channel: 'twitter' }, 'TWITTER_BUSINESS_USER_ID unknown (and not derivable from the access token): welcome messages get no deep links');
    }
  }

  async onModuleDestroy(): Promise<void> {
    await this.running?.catch(() => undefined); // before the data source closes
  }

  /** One attempt at every key; throws while any key failed, so the gateway tries again later. */
  async run(signal: AbortSignal): Promise<void> {
    this.signal = signal;
    this.running = this.registerAll().catch((err: Error) => {
      // Anything unexpected (database down…): every key not done yet is failed, the gateway runs on.
      for (const state of this.states.values()) if (state.status !== 'registered') this.fail(state, err.message);
      this.logger.error({ err: err.message }, 'welcome message registration aborted');
    });
    await this.running;
    const failed = [...this.states.values()].filter((s) => s.status !== 'registered').length;
    if (failed) throw new Error(`${failed} welcome message(s) not registered`);
  }

  private get stopping(): boolean {
    return this.signal?.aborted ?? false;
  }

  /** Every configured key, in configuration order. */
  list(): WelcomeMessageState[] {
    return [...this.states.values()].map((s) => ({ ...s }));
  }

  /** Resolves once this start-up's registration has finished (tests, readiness tooling). */
  async settled(): Promise<void> {
    await this.running;
  }

  private async registerAll(): Promise<void> {
    const repository = this.dataSource.getRepository(WelcomeMessageEntity);
    // What was registered before is known at once, even while X is being asked.
    for (const row of await repository.find()) {
      const state = this.states.get(row.key);
      if (state) Object.assign(state, { welcomeMessageId: row.welcomeMessageId, deepLink: this.deepLink(row.welcomeMessageId) });
    }
    const lock = this.dataSource.createQueryRunner();
    await lock.connect();
    try {
      if (!(await this.acquire(lock))) return;
      for (const config of this.settings.messages) {
        if (this.stopping) break;
        await this.registerOne(config, repository);
      }
    } finally {
      await lock.query('SELECT pg_advisory_unlock(hashtext($1))', [this.lockName()]).catch(() => undefined);
      await lock.release();
    }
  }

  private async registerOne(config: WelcomeMessageConfig, repository: Repository<WelcomeMessageEntity>): Promise<void> {
    const state = this.states.get(config.key)!;
    const hash = welcomeContentHash(config);
    try {
      const row = await repository.findOneBy({ key: config.key });
      let outcome: Outcome;
      let id: string;
      if (row && row.contentHash === hash) {
        outcome = 'unchanged';
        id = row.welcomeMessageId;
      } else if (row) {
        const updated = await this.call(updateWelcomeMessage(row.welcomeMessageId, config), { notFoundOk: true });
        if (updated === 'not-found') {
          id = await this.create(config); // deleted at X meanwhile: a new id (old deep links are dead anyway)
          outcome = 'recreated';
        } else {
          id = row.welcomeMessageId;
          outcome = 'updated';
        }
      } else {
        id = await this.create(config);
        outcome = 'created';
      }
      if (outcome !== 'unchanged') await repository.save({ key: config.key, welcomeMessageId: id, contentHash: hash, updatedAt: new Date() });
      Object.assign(state, { welcomeMessageId: id, deepLink: this.deepLink(id), status: 'registered', error: null });
      this.count(outcome);
      this.logger.info({ channel: 'twitter', key: config.key, welcomeMessageId: id, deepLink: state.deepLink, outcome }, 'welcome message ready');
    } catch (err) {
      const message = err instanceof RegistrationError ? err.message : `unexpected: ${(err as Error).message}`;
      const code = err instanceof RegistrationError ? ErrorCode[err.error.code ?? ErrorCode.UNKNOWN] : 'UNKNOWN';
      this.fail(state, message);
      this.logger.error({ channel: 'twitter', key: config.key, code, providerCode: err instanceof RegistrationError ? err.error.providerCode : undefined, reason: message }, 'welcome message registration failed; the gateway runs on without it');
    }
  }

  private async create(config: WelcomeMessageConfig): Promise<string> {
    const [request] = registerWelcomeMessages([config]);
    const result = await this.call(request!, { notFoundOk: false });
    if (result === 'not-found' || !result) throw new RegistrationError({ code: ErrorCode.UNKNOWN, retryable: false, message: 'X answered without a welcome message id' });
    return result;
  }

  /** One X call with retries for retryable errors; the welcome message id, or 'not-found' (404). */
  private async call(request: ProviderRequest, options: { notFoundOk: boolean }): Promise<string | 'not-found' | undefined> {
    const maxAttempts = this.settings.maxAttempts ?? 3;
    for (let attempt = 1; ; attempt++) {
      let error: CanonicalErrorInit;
      try {
        const response = await callProvider(this.adapter, this.options.apiBaseUrl, request, this.options.requestTimeoutMs ?? 10_000);
        if (options.notFoundOk && response.status === 404) return 'not-found';
        const outcome = this.adapter.interpret(request, response, new Date());
        if (outcome.ok) return outcome.providerMessageId;
        error = outcome.error;
      } catch (err) {
        error = { code: ErrorCode.PROVIDER_DOWN, retryable: true, message: `request failed: ${(err as Error).message}` };
      }
      if (!error.retryable || attempt >= maxAttempts || this.stopping) throw new RegistrationError(error);
      const backoff = (this.options.retryBaseMs ?? 500) * 2 ** (attempt - 1);
      // Start-up is no time to sit out a 15-minute rate-limit window: wait at most 30 s.
      await sleep(Math.min(Math.max(Number(error.retryAfterMs ?? 0), backoff), 30_000));
    }
  }

  /** Waits for the registration lock, giving up when the gateway stops meanwhile. */
  private async acquire(lock: QueryRunner): Promise<boolean> {
    for (;;) {
      const [row] = (await lock.query('SELECT pg_try_advisory_lock(hashtext($1)) AS locked', [this.lockName()])) as Array<{ locked: boolean }>;
      if (row?.locked) return true;
      if (this.stopping) return false;
      await sleep(250);
    }
  }

  private lockName(): string {
    return `${schemaOf(this.dataSource)}.welcome_messages`;
  }

  private deepLink(welcomeMessageId: string): string | null {
    return this.settings.businessUserId ? welcomeDeepLink({ recipientId: this.settings.businessUserId, welcomeMessageId }) : null;
  }

  private fail(state: WelcomeMessageState, reason: string): void {
    Object.assign(state, { status: 'failed', error: reason });
    this.count('failed');
  }

  private count(outcome: Outcome): void {
    this.metrics.counter('omni_twitter_welcome_messages_total', 'Welcome message registrations at start-up by outcome', ['outcome']).inc({ outcome });
  }
}
