import { createHmac } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { twilioSignature } from '@omni/channel-sms';
import type { ServiceName } from '@omni/service-kit';
import { TEST_SECRETS } from '../harness';

/** How a body is sent to a gateway: `valid` signs it as the provider does; the others must be refused. */
export type SignMode = 'valid' | 'none' | 'wrong';

/** One gateway under fuzz: where its webhooks are, what its provider sends, how the provider signs. */
export interface FuzzTarget {
  service: ServiceName;
  /** Webhook paths (the first one gets most bodies). */
  paths: readonly string[];
  /** The content type the provider sends. */
  contentType: string;
  /** `json` bodies are mutated as JSON, `form` bodies as form fields. */
  format: 'json' | 'form';
  /** Real provider bodies (the channel's fixtures): the seeds mutations start from. */
  corpus: readonly Buffer[];
  /** Headers proving (or, for `wrong`, falsely claiming) the body comes from the provider. */
  sign(mode: SignMode, path: string, body: Buffer): Record<string, string>;
}

const FIXTURES = join(__dirname, '../../../../libs/channels');

function corpus(channel: string, extension: string): Buffer[] {
  const dir = join(FIXTURES, channel, 'fixtures');
  return readdirSync(dir)
    .filter((f) => f.endsWith(extension))
    .sort()
    .map((f) => readFileSync(join(dir, f)));
}

const hmac = (algorithm: 'sha1' | 'sha256', key: string, data: Buffer | string, encoding: 'hex' | 'base64') => createHmac(algorithm, key).update(data).digest(encoding);

const metaSign = (mode: SignMode, body: Buffer): Record<string, string> =>
  mode === 'none' ? {} : { 'x-hub-signature-256': `sha256=${hmac('sha256', mode === 'valid' ? TEST_SECRETS.META_APP_SECRET : 'not-the-app-secret', body, 'hex')}` };

export const FUZZ_TARGETS: readonly FuzzTarget[] = [
  {
    service: 'gateway-messenger',
    paths: ['/webhooks/messenger'],
    contentType: 'application/json',
    format: 'json',
    corpus: corpus('messenger', '.json'),
    sign: (mode, _path, body) => metaSign(mode, body),
  },
  {
    service: 'gateway-whatsapp',
    paths: ['/webhooks/whatsapp'],
    contentType: 'application/json',
    format: 'json',
    corpus: corpus('whatsapp', '.json'),
    sign: (mode, _path, body) => metaSign(mode, body),
  },
  {
    service: 'gateway-twitter',
    paths: ['/webhooks/twitter'],
    contentType: 'application/json',
    format: 'json',
    corpus: corpus('twitter', '.json'),
    sign: (mode, _path, body): Record<string, string> =>
      mode === 'none' ? {} : { 'x-twitter-webhooks-signature': `sha256=${hmac('sha256', mode === 'valid' ? TEST_SECRETS.TWITTER_CONSUMER_SECRET : 'not-the-secret', body, 'base64')}` },
  },
  {
    service: 'gateway-sms',
    paths: ['/webhooks/twilio/sms', '/webhooks/twilio/status'],
    contentType: 'application/x-www-form-urlencoded',
    format: 'form',
    corpus: corpus('sms', '.form'),
    sign: (mode, path, body): Record<string, string> => {
      if (mode === 'none') return {};
      const params = Array.from(new URLSearchParams(body.toString('utf8')).entries());
      const token = mode === 'valid' ? TEST_SECRETS.TWILIO_AUTH_TOKEN : 'not-the-auth-token';
      return { 'x-twilio-signature': twilioSignature(token, `${TEST_SECRETS.TWILIO_PUBLIC_BASE_URL}${path}`, params) };
    },
  },
  {
    service: 'gateway-telegram',
    paths: ['/webhooks/telegram'],
    contentType: 'application/json',
    format: 'json',
    corpus: corpus('telegram', '.json'),
    sign: (mode): Record<string, string> => (mode === 'none' ? {} : { 'x-telegram-bot-api-secret-token': mode === 'valid' ? TEST_SECRETS.TELEGRAM_WEBHOOK_SECRET : 'not-the-webhook-secret' }),
  },
];
