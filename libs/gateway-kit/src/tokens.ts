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
}
