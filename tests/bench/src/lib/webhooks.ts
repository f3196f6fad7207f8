/**
 * Signed provider webhooks for the four channels, built and signed with the same helpers the e2e
 * tests use (libs/testing fakes): Messenger and WhatsApp `x-hub-signature-256`, X
 * `x-twitter-webhooks-signature` on an Account Activity DM envelope, Twilio `X-Twilio-Signature`
 * over TWILIO_PUBLIC_BASE_URL + path with the form parameters sorted. One customer per
 * conversation; a reply reuses the customer, so the normalizer files it in the same conversation.
 */
import { metaGraph, twilioApi, twitterApi } from '@omni/testing';
import type { ServiceName } from '../../../../libs/service-kit/src/catalog';
import { BENCH_SECRETS } from './services';
import type { ChannelSlug } from './settings';

export const PAGE_ID = '104857600000001';
export const WA_PHONE_NUMBER_ID = '106540352242922';
export const WA_WABA_ID = '102290129340398';
export const X_BUSINESS_ID = '1111111111111111111';
export const TWILIO_NUMBER = '+14155550100';

export const GATEWAY_OF: Record<ChannelSlug, ServiceName> = {
  messenger: 'gateway-messenger',
  whatsapp: 'gateway-whatsapp',
  twitter: 'gateway-twitter',
  sms: 'gateway-sms',
};

export const WEBHOOK_PATH: Record<ChannelSlug, string> = {
  messenger: '/webhooks/messenger',
  whatsapp: '/webhooks/whatsapp',
  twitter: '/webhooks/twitter',
  sms: '/webhooks/twilio/sms',
};

export interface Customer {
  channel: ChannelSlug;
  /** The customer's id on the channel (PSID, wa_id, X user id, E.164 number). */
  id: string;
  /** `${channel}:${id}`. */
  key: string;
}

export interface SignedWebhook {
  channel: ChannelSlug;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** What the normalized Message will carry as provider_message_id. */
  providerMessageId: string;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/**
 * Ids unique within a run (each run has its own database and topic prefix, so runs never meet).
 * `n` is the customer / message sequence number.
 */
export function customerOf(channel: ChannelSlug, n: number): Customer {
  const id =
    channel === 'messenger'
      ? `9${pad(n, 15)}` // PSID
      : channel === 'whatsapp'
        ? `3361${pad(n, 8)}` // wa_id: French mobile numbers
        : channel === 'twitter'
          ? `2${pad(n, 18)}` // X user id
          : `+3362${pad(n, 8)}`; // SMS: another mobile range, so no phone links across channels
  return { channel, id, key: `${channel}:${id}` };
}

/** A customer's text message as the provider would deliver it, signed. */
export function signedMessage(customer: Customer, n: number, text: string, atMs: number): SignedWebhook {
  switch (customer.channel) {
    case 'messenger': {
      const mid = `m_bench_${n}`;
      const body = metaGraph.metaJson({
        object: 'page',
        entry: [{ id: PAGE_ID, time: atMs, messaging: [{ sender: { id: customer.id }, recipient: { id: PAGE_ID }, timestamp: atMs, message: { mid, text } }] }],
      });
      return { channel: 'messenger', path: WEBHOOK_PATH.messenger, headers: meta(body), body, providerMessageId: mid };
    }
    case 'whatsapp': {
      const wamid = `wamid.bench${n}`;
      const body = metaGraph.metaJson({
        object: 'whatsapp_business_account',
        entry: [
          {
            id: WA_WABA_ID,
            changes: [
              {
                field: 'messages',
                value: {
                  messaging_product: 'whatsapp',
                  metadata: { display_phone_number: '15550783881', phone_number_id: WA_PHONE_NUMBER_ID },
                  contacts: [{ profile: { name: 'Bench Customer' }, wa_id: customer.id }],
                  messages: [{ from: customer.id, id: wamid, timestamp: String(Math.floor(atMs / 1_000)), type: 'text', text: { body: text } }],
                },
              },
            ],
          },
        ],
      });
      return { channel: 'whatsapp', path: WEBHOOK_PATH.whatsapp, headers: meta(body), body, providerMessageId: wamid };
    }
    case 'twitter': {
      const id = twitterApi.snowflakeId(atMs);
      const body = JSON.stringify(twitterApi.accountActivityDm(X_BUSINESS_ID, { id, senderId: customer.id, recipientId: X_BUSINESS_ID, text, createdAt: Math.floor(atMs) }));
      return {
        channel: 'twitter',
        path: WEBHOOK_PATH.twitter,
        headers: { 'content-type': 'application/json', 'x-twitter-webhooks-signature': twitterApi.twitterWebhookSignature(BENCH_SECRETS.TWITTER_CONSUMER_SECRET, body) },
        body,
        providerMessageId: id,
      };
    }
    case 'sms': {
      const sid = `SM${pad(n, 32)}`;
      const form = twilioApi.inboundSmsForm(BENCH_SECRETS.TWILIO_ACCOUNT_SID, { from: customer.id, to: TWILIO_NUMBER, body: text, messageSid: sid });
      const body = new URLSearchParams(form).toString();
      const signedUrl = `${BENCH_SECRETS.TWILIO_PUBLIC_BASE_URL}${WEBHOOK_PATH.sms}`;
      return {
        channel: 'sms',
        path: WEBHOOK_PATH.sms,
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioApi.twilioRequestSignature(BENCH_SECRETS.TWILIO_AUTH_TOKEN, signedUrl, form) },
        body,
        providerMessageId: sid,
      };
    }
  }
}

function meta(body: string): Record<string, string> {
  return { 'content-type': 'application/json', 'x-hub-signature-256': metaGraph.metaSignature(BENCH_SECRETS.META_APP_SECRET, body) };
}

const TEXTS = ['Where is my order?', 'Hola, ¿mi pedido ya salió?', 'I need to change my delivery address', 'Can I return the blue jacket?', 'My payment failed twice'];
export function textFor(n: number): string {
  return TEXTS[n % TEXTS.length]!;
}
