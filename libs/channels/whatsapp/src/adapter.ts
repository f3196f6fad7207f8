import type { ChannelAdapter } from '@omni/channel-sdk';
import { whatsappCapabilities } from './capabilities';
import { formatWhatsAppOutbound } from './format';
import { answerWhatsAppHandshake } from './handshake';
import { interpretWhatsAppResponse, whatsappToHttp } from './http';
import { inspectWhatsAppWebhook } from './inspect';
import { whatsappParser } from './parse';
import { verifyWhatsAppSignature } from './verify';

export interface WhatsAppAdapterConfig {
  /** META_APP_SECRET: signs webhooks (X-Hub-Signature-256). */
  appSecret: string;
  /** META_VERIFY_TOKEN: the token typed into the app's webhook settings. */
  verifyToken: string;
  /** WHATSAPP_ACCESS_TOKEN: a system-user token with whatsapp_business_messaging. */
  accessToken: string;
  /** Graph API version in request paths, e.g. 'v24.0'. */
  graphApiVersion?: string;
  /** Label of the button that opens a list message (≤ 20 chars); default 'Choose an option'. */
  listButtonLabel?: string;
}

export const DEFAULT_GRAPH_API_VERSION = 'v24.0';
export const DEFAULT_LIST_BUTTON_LABEL = 'Choose an option';
export const WHATSAPP_WEBHOOK_PATH = '/webhooks/whatsapp';

/**
 * WhatsApp Business Cloud API as a ChannelAdapter: pure functions over the configured secrets.
 * The gateway hosts it (HTTP, Kafka); the normalizer only needs `whatsappParser`.
 */
export function createWhatsAppAdapter(config: WhatsAppAdapterConfig): ChannelAdapter {
  for (const key of ['appSecret', 'verifyToken', 'accessToken'] as const) {
    if (typeof config[key] !== 'string' || config[key] === '') throw new Error(`whatsapp adapter: ${key} is required`);
  }
  const graphApiVersion = config.graphApiVersion ?? DEFAULT_GRAPH_API_VERSION;
  if (!/^v\d+\.\d+$/.test(graphApiVersion)) throw new Error(`whatsapp adapter: graphApiVersion must look like v24.0, got "${graphApiVersion}"`);
  const listButtonLabel = config.listButtonLabel || DEFAULT_LIST_BUTTON_LABEL;
  const { appSecret, verifyToken, accessToken } = config;

  return {
    ...whatsappParser,
    capabilities: whatsappCapabilities,
    webhookPaths: [WHATSAPP_WEBHOOK_PATH],
    auth: { kind: 'body-signature' },
    handshake: (request) => answerWhatsAppHandshake(request, verifyToken),
    verify: (request) => verifyWhatsAppSignature(request, appSecret),
    inspect: inspectWhatsAppWebhook,
    format: (approved) => formatWhatsAppOutbound(approved, { graphApiVersion, listButtonLabel }),
    toHttp: (request) => whatsappToHttp(request, accessToken),
    interpret: (_request, response) => interpretWhatsAppResponse(response),
  };
}
