import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { CanonicalErrorInit, ChannelAdapter } from '@omni/channel-sdk';
import { ErrorCode } from '@omni/contracts';
import { LOGGER } from '@omni/messaging';
import { Metrics, type Logger } from '@omni/observability';
import { callProvider } from './provider-client';
import { CHANNEL_ADAPTER, GATEWAY_OPTIONS, type GatewayOptions } from './tokens';

/**
 * Something a gateway sets up at the provider when it starts (Telegram's setWebhook, X's welcome
 * messages). `run` is one idempotent attempt: it resolves when everything is in place and throws
 * when it should be tried again later.
 */
export interface StartupRegistration {
  /** Names it in logs, metrics and `status()`, e.g. 'setWebhook' or 'welcome-messages'. */
  readonly name: string;
  run(signal: AbortSignal): Promise<void>;
}

/** Thrown by a registration that the provider refused; `retryAfterMs` is honoured. */
export class RegistrationFailed extends Error {
  constructor(readonly error: CanonicalErrorInit) {
    super(error.message || `provider refused (${ErrorCode[error.code ?? ErrorCode.UNKNOWN]})`);
  }
}

export interface RegistrationState {
  name: string;
  state: 'pending' | 'registered' | 'retrying';
  attempts: number;
  /** Why the last attempt failed: a canonical message, never a secret or a body. */
  lastError: string | null;
}

export interface RegistrationTiming {
  /** First wait after a failure (doubles per attempt). */
  firstRetryMs: number;
  /** Longest wait between attempts. */
  maxRetryMs: number;
}

/** Registration is no hurry: first retry after 30 s, then doubling to at most 10 min. */
export const DEFAULT_REGISTRATION_TIMING: RegistrationTiming = { firstRetryMs: 30_000, maxRetryMs: 600_000 };

/** The wait before attempt `attempt + 1`: exponential, capped, never shorter than the provider asked. */
export function registrationDelay(attempt: number, timing: RegistrationTiming, retryAfterMs = 0): number {
  const backoff = Math.min(timing.firstRetryMs * 2 ** Math.min(attempt - 1, 30), timing.maxRetryMs);
  return Math.min(Math.max(backoff, retryAfterMs), Math.max(timing.maxRetryMs, retryAfterMs));
}

/**
 * Runs a gateway's start-up registrations in the background: webhooks are served from the first
 * second, whatever the provider says. Each registration is tried at once, then again with
 * exponential backoff until it succeeds or the gateway stops; the provider's retry-after wins.
 * A failure is logged and counted (`omni_gateway_registrations_total{outcome="failed"}`), never fatal.
 */
@Injectable()
export class GatewayRegistrations implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly registrations: StartupRegistration[] = [];
  private readonly states = new Map<string, RegistrationState>();
  private readonly stop = new AbortController();
  private readonly running: Array<Promise<void>> = [];
  private started = false;
  timing: RegistrationTiming = DEFAULT_REGISTRATION_TIMING;

  constructor(
    @Inject(CHANNEL_ADAPTER) private readonly adapter: ChannelAdapter,
    @Inject(GATEWAY_OPTIONS) private readonly options: GatewayOptions,
    private readonly metrics: Metrics,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    if (options.registrationTiming) this.timing = options.registrationTiming;
    if (adapter.register) this.add(new AdapterRegistration(adapter, options));
  }

  /** Adds a registration; call it before the application has started (e.g. from a constructor). */
  add(registration: StartupRegistration): void {
    if (this.started) throw new Error(`registration ${registration.name} added after start-up`);
    if (this.states.has(registration.name)) throw new Error(`registration ${registration.name} added twice`);
    this.registrations.push(registration);
    this.states.set(registration.name, { name: registration.name, state: 'pending', attempts: 0, lastError: null });
  }

  onApplicationBootstrap(): void {
    this.started = true;
    for (const registration of this.registrations) this.running.push(this.keepTrying(registration));
  }

  async onModuleDestroy(): Promise<void> {
    this.stop.abort();
    await Promise.allSettled(this.running);
  }

  status(): RegistrationState[] {
    return [...this.states.values()].map((s) => ({ ...s }));
  }

  /** Resolves once every registration has succeeded or the gateway stopped (tests, tooling). */
  async settled(): Promise<void> {
    await Promise.allSettled(this.running);
  }

  private async keepTrying(registration: StartupRegistration): Promise<void> {
    const state = this.states.get(registration.name)!;
    const outcomes = this.metrics.counter('omni_gateway_registrations_total', 'Start-up registrations at the provider by outcome', ['channel', 'registration', 'outcome']);
    const labels = { channel: this.adapter.slug, registration: registration.name };
    while (!this.stop.signal.aborted) {
      state.attempts++;
      try {
        await registration.run(this.stop.signal);
        Object.assign(state, { state: 'registered', lastError: null });
        outcomes.inc({ ...labels, outcome: 'registered' });
        this.logger.info({ channel: this.adapter.slug, registration: registration.name, attempts: state.attempts }, 'registered at the provider');
        return;
      } catch (err) {
        if (this.stop.signal.aborted) return;
        const retryAfterMs = err instanceof RegistrationFailed ? Number(err.error.retryAfterMs ?? 0) : 0;
        const wait = registrationDelay(state.attempts, this.timing, retryAfterMs);
        Object.assign(state, { state: 'retrying', lastError: (err as Error).message });
        outcomes.inc({ ...labels, outcome: 'failed' });
        this.logger.warn({ channel: this.adapter.slug, registration: registration.name, attempts: state.attempts, reason: (err as Error).message, retryInMs: wait }, 'registration at the provider failed; webhooks are served meanwhile, retrying later');
        try {
          await sleep(wait, undefined, { signal: this.stop.signal });
        } catch {
          return; // stopping
        }
      }
    }
  }
}

/** The adapter's own `register` requests, made in order against the provider API. */
export class AdapterRegistration implements StartupRegistration {
  readonly name: string;

  constructor(
    private readonly adapter: ChannelAdapter,
    private readonly options: GatewayOptions,
  ) {
    this.name = `${adapter.slug}-webhook`;
  }

  async run(): Promise<void> {
    const requests = this.adapter.register?.({ publicBaseUrl: this.options.publicBaseUrl?.replace(/\/+$/, '') }) ?? [];
    for (const request of requests) {
      let response;
      try {
        response = await callProvider(this.adapter, this.options.apiBaseUrl, request, this.options.requestTimeoutMs ?? 10_000);
      } catch (err) {
        throw new RegistrationFailed({ code: ErrorCode.PROVIDER_DOWN, retryable: true, message: `${request.purpose}: request failed (${(err as Error).name})` });
      }
      const outcome = this.adapter.interpret(request, response, new Date());
      if (!outcome.ok) throw new RegistrationFailed({ ...outcome.error, message: `${request.purpose}: ${outcome.error.message ?? 'refused'}` });
    }
  }
}
