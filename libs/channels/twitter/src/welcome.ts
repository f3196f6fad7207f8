import type { ProviderRequest } from '@omni/channel-sdk';
import { v1QuickReply } from './quick-replies';

/**
 * Welcome messages: what X shows a customer who opens a DM with the business, before they type.
 * Deep links can name one (`welcome_message_id`), and the default one is chosen by a rule. They
 * exist only in v1.1 (PLhery/node-twitter-api-v2 client.v1.ts; availability today UNVERIFIED).
 */
export interface WelcomeMessageConfig {
  /** Stable name in our configuration; sent as the welcome message `name` so it can be found again. */
  key: string;
  text: string;
  quickReplies?: Array<{ title: string; payload: string; description?: string }>;
}

export const WELCOME_NEW_PATH = '/1.1/direct_messages/welcome_messages/new.json';
export const WELCOME_UPDATE_PATH = '/1.1/direct_messages/welcome_messages/update.json';
export const WELCOME_RULE_NEW_PATH = '/1.1/direct_messages/welcome_messages/rules/new.json';

/** One `welcome_messages/new.json` request per configured message; the response carries its id. */
export function registerWelcomeMessages(configs: readonly WelcomeMessageConfig[]): ProviderRequest[] {
  return configs.map((config) => ({
    method: 'POST',
    path: WELCOME_NEW_PATH,
    json: { welcome_message: { name: config.key, message_data: messageData(config) } },
    purpose: `welcome_message ${config.key}`,
  }));
}

/** Replace the content of an existing welcome message (`PUT …/update.json?id=`; atomic on X's side). */
export function updateWelcomeMessage(welcomeMessageId: string, config: WelcomeMessageConfig): ProviderRequest {
  return {
    method: 'PUT',
    path: WELCOME_UPDATE_PATH,
    query: { id: welcomeMessageId },
    json: { message_data: messageData(config) },
    purpose: `welcome_message ${config.key} update`,
  };
}

/** Make one welcome message the default shown to everyone opening a DM (one rule per account). */
export function defaultWelcomeRule(welcomeMessageId: string): ProviderRequest {
  return {
    method: 'POST',
    path: WELCOME_RULE_NEW_PATH,
    json: { welcome_message_rule: { welcome_message_id: welcomeMessageId } },
    purpose: 'welcome_message_rule',
  };
}

/**
 * `https://x.com/messages/compose?recipient_id=<id>&welcome_message_id=<id>&text=<prefill>`
 * (docs/channels/twitter.md; the legacy twitter.com host works the same). The DM that follows arrives with
 * `initiated_via.welcome_message_id`, which the parser turns into the entry point.
 */
export function welcomeDeepLink(input: { recipientId: string; welcomeMessageId?: string; text?: string }): string {
  const url = new URL('https://x.com/messages/compose');
  url.searchParams.set('recipient_id', input.recipientId);
  if (input.welcomeMessageId) url.searchParams.set('welcome_message_id', input.welcomeMessageId);
  if (input.text) url.searchParams.set('text', input.text);
  return url.toString();
}

function messageData(config: WelcomeMessageConfig): Record<string, unknown> {
  const options = (config.quickReplies ?? []).map((q) => ({ title: q.title, payload: q.payload, description: q.description ?? '' }));
  const quickReply = v1QuickReply(options);
  if (options.length && !quickReply) {
    throw new Error(`welcome message "${config.key}": quick replies exceed X's limits (≤ 20 options, payload ≤ 1,000 chars)`);
  }
  return quickReply ? { text: config.text, quick_reply: quickReply } : { text: config.text };
}
