import { Button_Kind, type OutboundContent } from '@omni/contracts';
import { matchNumberedAnswer } from '@omni/channel-sdk';

/** An option the customer can pick: quick replies first, then postback buttons (also on cards). */
export interface OfferedOption {
  title: string;
  payload: string;
  description: string;
}

/**
 * Everything in `content` that is a choice, in the order it is shown. The formatter and
 * `matchOfferedOption` both use this so the numbers in a degraded list always line up.
 */
export function offeredOptions(content: OutboundContent): OfferedOption[] {
  const options: OfferedOption[] = content.quickReplies.map((q) => ({ title: q.title, payload: q.payload, description: q.description }));
  const buttons = [...content.buttons, ...content.cards.flatMap((c) => c.buttons)];
  for (const button of buttons) {
    if (button.kind === Button_Kind.POSTBACK) options.push({ title: button.title, payload: button.value, description: '' });
  }
  return options;
}

/**
 * What the customer should still see of rich content X DMs cannot show: card titles and links,
 * URL and phone buttons as "Title: value" lines.
 */
export function richContentLines(content: OutboundContent): string[] {
  const lines: string[] = [];
  for (const card of content.cards) {
    lines.push([card.title, card.subtitle].filter(Boolean).join(' — '));
    if (card.defaultUrl) lines.push(card.defaultUrl);
    lines.push(...linkButtons(card.buttons));
  }
  lines.push(...linkButtons(content.buttons));
  return lines.filter((l) => l.length > 0);
}

function linkButtons(buttons: OutboundContent['buttons']): string[] {
  return buttons
    .filter((b) => b.kind === Button_Kind.URL || b.kind === Button_Kind.PHONE)
    .map((b) => `${b.title}: ${b.value}`);
}

/**
 * Map a typed answer ("2", "#2", or an option's title) back to the payload of the option we
 * offered as a numbered list; undefined when it matches none.
 */
export function matchOfferedOption(answer: string, offered: OutboundContent): OfferedOption | undefined {
  return matchNumberedAnswer(answer, offeredOptions(offered));
}
