import {
  Button_Kind,
  create,
  MediaKind,
  OutboundApprovedSchema,
  OutboundContentSchema,
  OutboundRequestedSchema,
  SenderAction,
  type MessageInitShape,
  type OutboundApproved,
} from '@omni/contracts';
import type { ChannelCapabilities } from '../adapter';
import type { OutboundApprovedInit } from './fixtures';

type ContentInit = MessageInitShape<typeof OutboundContentSchema>;

/** One probe of the channel's formatter, with what the kit expects to survive formatting. */
export interface OutboundSample {
  name: string;
  approved: OutboundApproved;
  /** Text that must reach the customer whole (whitespace-insensitive), in order. */
  preservedText?: string;
  /** Option titles that must be offered natively or written out in the text. */
  offeredTitles?: string[];
  /** Snippets that must appear somewhere in the texts (captions, card titles). */
  mentions?: string[];
}

/** The last inbound message id the kit uses for mark-seen/typing probes when the base has none. */
export const CONFORMANCE_LAST_INBOUND_ID = 'conformance-last-inbound-id';

export function withContent(base: OutboundApprovedInit, content: ContentInit, replyTo?: string): OutboundApproved {
  const approved = create(OutboundApprovedSchema, base);
  approved.request = approved.request ?? create(OutboundRequestedSchema);
  approved.request.content = create(OutboundContentSchema, content);
  if (replyTo !== undefined && !approved.request.replyToProviderMessageId) approved.request.replyToProviderMessageId = replyTo;
  return approved;
}

function words(count: number): string {
  return Array.from({ length: count }, (_, i) => `word${i}`).join(' ');
}

/** A text of roughly `chars` characters made of short words, so splitting has places to cut. */
function textOfLength(chars: number): string {
  return words(Math.ceil(chars / 6));
}

function longTitle(i: number, length: number): string {
  const stem = `Option ${i + 1} `;
  return (stem + 'x'.repeat(Math.max(0, length - stem.length))).slice(0, Math.max(length, stem.length));
}

const MEDIA_EXTENSIONS: Partial<Record<MediaKind, string>> = {
  [MediaKind.IMAGE]: 'jpg',
  [MediaKind.VIDEO]: 'mp4',
  [MediaKind.AUDIO]: 'mp3',
  [MediaKind.FILE]: 'pdf',
  [MediaKind.STICKER]: 'webp',
  [MediaKind.ANIMATED_GIF]: 'gif',
};

/**
 * Representative outbound requests derived from the declared capabilities: each one sits on or
 * just past a limit, so a formatter that forgets to split or degrade is caught.
 */
export function generatedSamples(base: OutboundApprovedInit, caps: ChannelCapabilities): OutboundSample[] {
  const samples: OutboundSample[] = [];
  const shortText = 'Hello from the conformance kit.';
  samples.push({ name: 'short text', approved: withContent(base, { text: shortText }), preservedText: shortText });

  const long = textOfLength(Math.floor(caps.textLimit * 2.5));
  samples.push({ name: `text of ${Array.from(long).length} chars (limit ${caps.textLimit})`, approved: withContent(base, { text: long }), preservedText: long });

  const titleLength = caps.quickReplyTitleLimit + 8;
  const atLimit = Math.max(caps.quickReplyLimit, 2);
  for (const count of [atLimit, caps.quickReplyLimit + 3]) {
    const options = Array.from({ length: count }, (_, i) => ({ title: longTitle(i, titleLength), payload: `OPTION_${i + 1}` }));
    samples.push({
      name: `${count} quick replies with ${titleLength}-char titles`,
      approved: withContent(base, { text: 'Pick one, please.', quickReplies: options }),
      offeredTitles: options.map((o) => o.title),
    });
  }

  const buttonCount = caps.buttonLimit + 2;
  const buttons = Array.from({ length: buttonCount }, (_, i) => ({ kind: Button_Kind.POSTBACK, title: `Choice ${i + 1}`, value: `CHOICE_${i + 1}` }));
  samples.push({
    name: `${buttonCount} postback buttons (limit ${caps.buttonLimit})`,
    approved: withContent(base, { text: 'What would you like to do?', buttons }),
    offeredTitles: buttons.map((b) => b.title),
  });
  samples.push({
    name: 'one URL button',
    approved: withContent(base, { text: 'Track your order here.', buttons: [{ kind: Button_Kind.URL, title: 'Track', value: 'https://shop.example.test/track/4521' }] }),
  });

  const cardCount = Math.max(caps.carouselLimit, 1) + 2;
  const cards = Array.from({ length: cardCount }, (_, i) => ({
    title: `Card ${i + 1}`,
    subtitle: `Subtitle ${i + 1}`,
    imageUrl: `https://cdn.example.test/card-${i + 1}.jpg`,
    buttons: [{ kind: Button_Kind.POSTBACK, title: 'Pick', value: `CARD_${i + 1}` }],
  }));
  samples.push({
    name: `${cardCount} cards (carousel limit ${caps.carouselLimit})`,
    approved: withContent(base, { cards }),
    mentions: caps.carouselLimit > 0 ? [] : cards.map((c) => c.title),
  });

  for (const kind of caps.mediaKinds) {
    const ext = MEDIA_EXTENSIONS[kind] ?? 'bin';
    samples.push({
      name: `media ${MediaKind[kind]} by URL with caption`,
      approved: withContent(base, { media: { kind, url: `https://cdn.example.test/conformance/file.${ext}`, caption: 'Here is the file.' } }),
      mentions: ['Here is the file.'],
    });
  }

  if (caps.typingIndicator) {
    samples.push({ name: 'typing indicator', approved: withContent(base, { senderAction: SenderAction.TYPING_ON }, CONFORMANCE_LAST_INBOUND_ID) });
  }
  if (caps.markSeen) {
    samples.push({ name: 'mark seen', approved: withContent(base, { senderAction: SenderAction.MARK_SEEN }, CONFORMANCE_LAST_INBOUND_ID) });
  }
  if (caps.templates) {
    samples.push({
      name: 'template',
      approved: withContent(base, {
        template: { name: 'conformance_update', language: 'en_US', category: 'UTILITY', components: [{ type: 'body', parameters: [{ type: 'text', value: '#4521' }] }] },
      }),
    });
  }
  return samples;
}
