import type { ChannelAdapter } from '@omni/channel-sdk';
import { messengerCapabilities } from './capabilities';
import { formatMessengerOutbound } from './format';
import { answerMessengerHandshake } from './handshake';
import { interpretMessengerResponse, messengerToHttp } from './http';
import { inspectMessengerWebhook } from './inspect';
import { messengerParser } from './parse';
import { verifyMessengerSignature } from './verify';

export interface MessengerAdapterConfig {
  /** META_APP_SECRET: signs webhooks (X-Hub-Signature-256). */
  appSecret: string;
  /** META_VERIFY_TOKEN: the token typed into the app's webhook settings. */
  verifyToken: string;
  /** MESSENGER_PAGE_ACCESS_TOKEN: the Page token the Send API takes. */
  pageAccessToken: string;
  /** Graph API version in request paths, e.g. 'v24.0'. */
  graphApiVersion?: string;
}

export const DEFAULT_GRAPH_API_VERSION = 'v24.0';
export const MESSENGER_WEBHOOK_PATH = '/webhooks/messenger';

/**
 * Facebook Messenger as a ChannelAdapter: pure functions over the configured secrets. The gateway
 * hosts it (HTTP, Kafka); the normalizer only needs `messengerParser`.
 */
export function createMessengerAdapter(config: MessengerAdapterConfig): ChannelAdapter {
  for (const key of ['appSecret', 'verifyToken', 'pageAccessToken'] as const) {
    if (typeof config[key] !== 'string' || config[key] === '') throw new Error(`messenger adapter: ${key} is required`);
  }
  const graphApiVersion = config.graphApiVersion ?? DEFAULT_GRAPH_API_VERSION;
  if (!/^v\d+\.\d+$/.test(graphApiVersion)) throw new Error(`messenger adapter: graphApiVersion must look like v24.0, got "${graphApiVersion}"`);
  const { appSecret, verifyToken, pageAccessToken } = config;

  return {
    ...messengerParser,
    capabilities: messengerCapabilities,
    webhookPaths: [MESSENGER_WEBHOOK_PATH],
    auth: { kind: 'body-signature' },
    handshake: (request) => answerMessengerHandshake(request, verifyToken),
    verify: (request) => verifyMessengerSignature(request, appSecret),
    inspect: inspectMessengerWebhook,
    format: (approved) => formatMessengerOutbound(approved, { graphApiVersion }),
    toHttp: (request) => messengerToHttp(request, pageAccessToken),
    interpret: (_request, response) => interpretMessengerResponse(response),
  };
}
