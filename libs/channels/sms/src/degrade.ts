import { Button_Kind, type OutboundContent } from '@omni/contracts';
import { matchNumberedAnswer } from '@omni/channel-sdk';

/** An option the customer can pick by replying its number: quick replies, then postback buttons. */
export interface OfferedOption {
  title: string;
  payload: string;
}

/**
 * Everything in `content` that is a choice, in display order. The formatter numbers exactly this
 * list and `matchOfferedOption` reads answers against it, so numbers always line up.
 */
export function offeredOptions(content: OutboundContent): OfferedOption[] {
  const options: OfferedOption[] = content.quickReplies.map((q) => ({ title: q.title, payload: q.payload }));
  for (const button of [...content.buttons, ...content.cards.flatMap((c) => c.buttons)]) {
    if (button.kind === Button_Kind.POSTBACK) options.push({ title: button.title, payload: button.value });
  }
  return options;
}

/** Cards and link/phone buttons as plain lines: SMS shows text only. */
export function richContentLines(content: OutboundContent): string[] {
  const lines: string[] = [];
  const links = (buttons: OutboundContent['buttons']) =>
    buttons.filter((b) => b.kind === Button_Kind.URL || b.kind === Button_Kind.PHONE).map((b) => `${b.title}: ${b.value}`);
  for (const card of content.cards) {
    lines.push([card.title, card.subtitle].filter(Boolean).join(' — '));
    if (card.defaultUrl) lines.push(card.defaultUrl);
    lines.push(...links(card.buttons));
  }
  lines.push(...links(content.buttons));
  return lines.filter((l) => l.length > 0);
}

/**
 * Map a customer's SMS reply ("2", "#2", "2.", or an option's title) back to the option we offered
 * in `offered` (the content of our last outbound); undefined when it is not an answer.
 */
export function matchOfferedOption(answer: string, offered: OutboundContent): OfferedOption | undefined {
  return matchNumberedAnswer(answer, offeredOptions(offered));
}
