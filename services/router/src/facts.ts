import { channelSlug, EntryPoint_Source, type ContactProfile, type Message } from '@omni/contracts';
import type { TextAnalyzer } from './routing/analyzer';
import type { BotInput } from './routing/bot';
import type { EntryPointSource } from './routing/document';
import type { RoutingFacts } from './routing/evaluate';

const SOURCES: Partial<Record<EntryPoint_Source, EntryPointSource>> = {
  [EntryPoint_Source.DEEP_LINK]: 'deep_link',
  [EntryPoint_Source.AD]: 'ad',
  [EntryPoint_Source.WELCOME_MESSAGE]: 'welcome_message',
  [EntryPoint_Source.POST]: 'post',
  [EntryPoint_Source.OTHER]: 'other',
};

/** What the customer wrote or tapped, as text (captions and option titles count). */
export function textOf(message: Message): string {
  const kind = message.content?.kind;
  switch (kind?.case) {
    case 'text':
      return kind.value.text;
    case 'quickReply':
      return kind.value.text || kind.value.payload;
    case 'postback':
      return kind.value.title;
    case 'media':
      return kind.value.caption;
    default:
      return '';
  }
}

export function botInputOf(message: Message): BotInput {
  const kind = message.content?.kind;
  const payload = kind?.case === 'quickReply' || kind?.case === 'postback' ? kind.value.payload : '';
  return { text: textOf(message), payload };
}

/** The customer's language: detected on the message, else the contact's, else the channel's locale. */
export function languageOf(message: Message): string {
  return message.language || message.contact?.language || message.sender?.locale || '';
}

/** The customer's zone when known (channel, then CRM). */
export function timezoneOf(message: Message): string | undefined {
  return message.sender?.timezone || message.contact?.timezone || undefined;
}

/** The contact profile by snake_case field name, so rules name CRM attributes as documented. */
export function contactAttributes(profile: ContactProfile | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!profile) return out;
  for (const [key, value] of Object.entries(profile)) {
    if (key.startsWith('$')) continue;
    out[key.replace(/[A-Z0-9]+/g, (m) => `_${m.toLowerCase()}`)] = value;
  }
  return out;
}

export function factsOf(
  message: Message,
  analyzer: TextAnalyzer,
  context: { lastContactAt?: Date; lastCsat?: number; botAnswers?: Record<string, string> },
): RoutingFacts {
  const text = textOf(message);
  const language = languageOf(message);
  const entry = message.entryPoint;
  let channel = '';
  try {
    channel = channelSlug(message.channel);
  } catch {
    channel = '';
  }
  return {
    channel,
    entryPoint: entry ? { source: SOURCES[entry.source] ?? '', ref: entry.ref, adId: entry.adId, welcomeMessageId: entry.welcomeMessageId } : undefined,
    language,
    text,
    analysis: analyzer.analyze(text, language),
    contact: contactAttributes(message.contact),
    lastContactAt: context.lastContactAt,
    lastCsat: context.lastCsat,
    botAnswers: context.botAnswers ?? {},
  };
}
