export const CHANNEL_ADAPTER = Symbol('omni.channel-adapter');
export const GATEWAY_OPTIONS = Symbol('omni.gateway-options');

export interface GatewayOptions {
  /**
   * The public URL the provider calls (scheme, host, port), when the gateway sits behind a proxy;
   * Twilio signs it. Otherwise derived from the request (X-Forwarded-* honoured).
   */
  publicBaseUrl?: string;
  /** The provider API base URL the gateway sends to (tests point it at a fake provider). */
  apiBaseUrl: string;
  /** Attempts per provider request before the send is reported failed (default 5). */
  maxSendAttempts?: number;
  /** First backoff delay between attempts (default 500 ms, doubling, capped at 30 s). */
  retryBaseMs?: number;
  requestTimeoutMs?: number;
  /** Backoff of start-up registrations (default: 30 s doubling to 10 min); tests shorten it. */
  registrationTiming?: { firstRetryMs: number; maxRetryMs: number };
}
