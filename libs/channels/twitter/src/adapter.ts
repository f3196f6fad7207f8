import type { ChannelAdapter, WebhookRequest } from '@omni/channel-sdk';
import { answerCrc } from './crc';
import { twitterCapabilities } from './capabilities';
import { formatTwitterOutbound } from './format';
import { DEFAULT_TWITTER_API_BASE_URL, interpretTwitterResponse, twitterHttpRequest } from './http';
import { inspectTwitterWebhook } from './inspect';
import { twitterParser } from './parse';
import { APP_WINDOWS, dmSendBudget, USER_WINDOWS } from './rate-limit';
import { SIGNATURE_HEADER, verifyWebhookSignature } from './verify';

export const TWITTER_WEBHOOK_PATH = '/webhooks/twitter';

export interface TwitterAdapterOptions {
  /** App consumer key pair (API key / secret): signs requests, keys CRC and webhook signatures. */
  consumerKey: string;
  consumerSecret: string;
  /** The business user's OAuth 1.0a access token pair (user context is required for DMs). */
  accessToken: string;
  accessTokenSecret: string;
  /** The business user's X id, when known; informational (the account id comes from each webhook). */
  businessUserId?: string;
  /** Use v1.1 endpoints for quick replies, typing and mark-read (UNVERIFIED availability). */
  useLegacyV1?: boolean;
  /**
   * The API base URL requests will be made against (TWITTER_API_BASE_URL). OAuth 1.0a signs the
   * absolute URL, so toHttp must know it. Default https://api.x.com.
   */
  apiBaseUrl?: string;
}

export function createTwitterAdapter(options: TwitterAdapterOptions): ChannelAdapter {
  const useLegacyV1 = options.useLegacyV1 ?? false;
  const apiBaseUrl = options.apiBaseUrl ?? DEFAULT_TWITTER_API_BASE_URL;
  const credentials = {
    consumerKey: options.consumerKey,
    consumerSecret: options.consumerSecret,
    token: options.accessToken,
    tokenSecret: options.accessTokenSecret,
  };
  return {
    ...twitterParser,
    capabilities: twitterCapabilities(useLegacyV1),
    webhookPaths: [TWITTER_WEBHOOK_PATH],
    auth: { kind: 'body-signature' },

    handshake(request: WebhookRequest) {
      if (request.method !== 'GET' || request.path !== TWITTER_WEBHOOK_PATH) return undefined;
      return answerCrc(options.consumerSecret, request);
    },

    verify(request: WebhookRequest) {
      // The CRC GET is answered with an HMAC keyed by our secret: an unsigned GET learns nothing.
      if (request.method === 'GET') return { ok: true };
      return verifyWebhookSignature(options.consumerSecret, request.headers[SIGNATURE_HEADER], request.rawBody);
    },

    inspect: inspectTwitterWebhook,
    format: (approved) => formatTwitterOutbound(approved, { useLegacyV1 }),
    toHttp: (request, context) => twitterHttpRequest(request, credentials, apiBaseUrl, context),
    interpret: (_request, response, now) => interpretTwitterResponse(response, now),

    /**
     * X's DM quotas (15 / 15 min per user, 1,440 / 24 h per user and per app): the gateway's send
     * pacer asks before each send with the recent send times of this business account and of the
     * whole app, and waits this long instead of letting X answer 429.
     */
    sendQuotas: { perAccount: USER_WINDOWS, perApp: APP_WINDOWS },

    sendDelay(recent, now) {
      const budget = dmSendBudget({ userSends: recent.account, appSends: recent.app, now });
      return budget.allowed ? 0 : budget.waitMs;
    },
  };
}
