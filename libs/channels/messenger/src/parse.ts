import { createHash } from 'node:crypto';
import { epochMs, safeJsonText, totalEvents, unreadableEvent, type ChannelEvent, type ChannelParser, type RawWebhook } from '@omni/channel-sdk';
import { Channel, DeliveryState, Direction, timestampFromDate, timestampFromMs } from '@omni/contracts';
import { customerId, idOf, readMessengerBody } from './body';
import { messageContents, type ContentInit } from './content';
import { entryPointFromReferral } from './entry-point';
import type { MessagingItem, MessengerEntry } from './wire';

/** Keys every messaging item carries; the remaining key names the event kind. */
const ENVELOPE_KEYS = new Set(['sender', 'recipient', 'timestamp']);

/** What differs between messages of one item beyond id and content. */
interface MessageExtras {
  direction?: Direction;
  isEcho?: boolean;
  replyToProviderMessageId?: string;
  entryPoint?: ReturnType<typeof entryPointFromReferral>;
}

interface ItemContext {
  pageId: string;
  /** The customer's page-scoped id (PSID). */
  userId: string;
  /** Provider time of the event, epoch ms (Messenger sends numbers). */
  atMs: number;
  receivedAt: Date;
  item: MessagingItem;
}

/**
 * Turn one Messenger webhook into canonical events (docs/channels/messenger.md). Every entry and every
 * messaging item is read, `standby` items too (threads another app owns under the handover
 * protocol: still the customer talking, so they are kept the same way). Nothing is dropped: kinds
 * Omni does not model (optins, handovers, policy enforcement, edits, unknown keys) come back as
 * `unsupported` content with the item's JSON.
 *
 * Dedupe keys: the message `mid` (Meta redelivers); receipts have no id, so
 * page + user + watermark (docs/channels/protocols.md). Ids are page-scoped (PSID), times epoch ms.
 */
export function parseMessengerWebhook(raw: RawWebhook): ChannelEvent[] {
  const body = readMessengerBody(raw.body);
  const events: ChannelEvent[] = [];
  for (const entry of body.entry) {
    // Each item on its own: one Omni cannot read is kept as unreadable, its siblings as usual.
    const unreadable = (providerType: string, json: unknown, customer?: unknown) => (reason: string) =>
      unreadableEvent({ channel: Channel.MESSENGER, accountId: entry.id, customerId: customer, providerType, json, receivedAt: raw.receivedAt, reason });
    for (const item of [...(entry.messaging ?? []), ...(entry.standby ?? [])]) {
      events.push(...totalEvents(() => parseItem(contextOf(entry, item, raw.receivedAt)), unreadable('messaging', item, item.sender?.id)));
    }
    if (Array.isArray(entry.changes)) {
      for (const change of entry.changes) events.push(...totalEvents(() => [pageChange(entry, change, raw.receivedAt)], unreadable('changes', change)));
    }
  }
  return events;
}

export const messengerParser: ChannelParser = {
  channel: Channel.MESSENGER,
  slug: 'messenger',
  parse: parseMessengerWebhook,
};

function contextOf(entry: MessengerEntry, item: MessagingItem, receivedAt: Date): ItemContext {
  const atMs = finiteNumber(item.timestamp) ?? finiteNumber(entry.time) ?? receivedAt.getTime();
  // Policy-enforcement notices name only the Page: the Page is then the only party there is.
  return { pageId: entry.id, userId: customerId(item) ?? entry.id, atMs, receivedAt, item };
}

/** Epoch ms as Meta sends them, bounded and whole (1e30 or 1717171717512.3 are no time). */
function finiteNumber(value: unknown): number | undefined {
  return epochMs(value);
}

function parseItem(ctx: ItemContext): ChannelEvent[] {
  const { item } = ctx;
  if (item.message && typeof item.message === 'object') return messageEvents(ctx);
  if (item.postback && typeof item.postback === 'object') return [postbackEvent(ctx)];
  if (item.referral && typeof item.referral === 'object') return [referralEvent(ctx)];
  if (item.reaction && typeof item.reaction === 'object') return [reactionEvent(ctx)];
  if (item.delivery && typeof item.delivery === 'object') return deliveryEvents(ctx);
  if (item.read && typeof item.read === 'object') return readEvents(ctx);
  return [unsupportedEvent(ctx)];
}

/** Fields every canonical message from this item shares. */
function baseMessage(ctx: ItemContext, providerMessageId: string, content: ContentInit) {
  const sender = idOf(ctx.item.sender) ?? ctx.userId;
  const recipient = idOf(ctx.item.recipient) ?? ctx.pageId;
  return {
    channel: Channel.MESSENGER,
    providerMessageId,
    direction: Direction.INBOUND,
    sender: { channelUserId: sender },
    recipient: { channelUserId: recipient },
    providerTimestamp: timestampFromMs(ctx.atMs),
    receivedAt: timestampFromDate(ctx.receivedAt),
    content,
    accountId: ctx.pageId,
  };
}

function messageEvent(ctx: ItemContext, providerMessageId: string, content: ContentInit, extra: MessageExtras = {}): ChannelEvent {
  return { type: 'message', dedupeKey: providerMessageId, message: { ...baseMessage(ctx, providerMessageId, content), ...extra } };
}

/** A stable id for an event Meta gives no id: same event, same id, so redeliveries dedupe. */
function syntheticId(kind: string, ctx: ItemContext, withDigest = false): string {
  const base = `${kind}:${ctx.pageId}:${ctx.userId}:${ctx.atMs}`;
  if (!withDigest) return base;
  return `${base}:${createHash('sha256').update(safeJsonText(ctx.item)).digest('hex').slice(0, 16)}`;
}

function messageEvents(ctx: ItemContext): ChannelEvent[] {
  const message = ctx.item.message!;
  const mid = typeof message.mid === 'string' && message.mid !== '' ? message.mid : syntheticId('message', ctx, true);
  const isEcho = message.is_echo === true;
  const parts = messageContents(message);
  if (parts.length === 0) {
    parts.push({ kind: { case: 'unsupported', value: { providerType: 'message', providerJson: safeJsonText(message) } } });
  }
  const extra: MessageExtras = {
    direction: isEcho ? Direction.OUTBOUND : Direction.INBOUND,
    isEcho: isEcho || undefined,
    replyToProviderMessageId: typeof message.reply_to?.mid === 'string' ? message.reply_to.mid : undefined,
    // Ads and shops can attach the referral to the first message of a thread.
    entryPoint: entryPointFromReferral(message.referral ?? ctx.item.referral),
  };
  // Part 0 keeps the mid (replies and receipts refer to it); later parts get `mid#n`.
  return parts.map((content, i) => messageEvent(ctx, i === 0 ? mid : `${mid}#${i}`, content, extra));
}

function postbackEvent(ctx: ItemContext): ChannelEvent {
  const postback = ctx.item.postback!;
  // Get Started and menu postbacks may come without a mid.
  const id = typeof postback.mid === 'string' && postback.mid !== '' ? postback.mid : syntheticId('postback', ctx);
  const content: ContentInit = {
    kind: { case: 'postback', value: { payload: stringOr(postback.payload), title: stringOr(postback.title) } },
  };
  return messageEvent(ctx, id, content, { entryPoint: entryPointFromReferral(postback.referral) });
}

/**
 * A referral on an existing thread (m.me link with `?ref=`, ad, chat plugin). It carries a ref and
 * no typed text, like a postback, and it opens the 24 h window, so it is a message: a postback
 * whose payload is the ref, with the entry point saying where the customer came from.
 */
function referralEvent(ctx: ItemContext): ChannelEvent {
  const referral = ctx.item.referral!;
  const content: ContentInit = { kind: { case: 'postback', value: { payload: stringOr(referral.ref), title: '' } } };
  return messageEvent(ctx, syntheticId('referral', ctx), content, { entryPoint: entryPointFromReferral(referral) });
}

function reactionEvent(ctx: ItemContext): ChannelEvent {
  const reaction = ctx.item.reaction!;
  const target = stringOr(reaction.mid);
  const action = stringOr(reaction.action, 'react');
  const content: ContentInit = {
    kind: {
      case: 'reaction',
      value: { targetProviderMessageId: target, emoji: stringOr(reaction.emoji), removed: action === 'unreact', name: stringOr(reaction.reaction) },
    },
  };
  return messageEvent(ctx, `reaction:${target}:${ctx.userId}:${action}:${ctx.atMs}`, content);
}

function statusBase(ctx: ItemContext) {
  return {
    channel: Channel.MESSENGER,
    occurredAt: timestampFromMs(ctx.atMs),
    channelUserId: ctx.userId,
    accountId: ctx.pageId,
  };
}

/** One DELIVERED per listed mid; `mids` is optional, then a watermark-only status says "all up to here". */
function deliveryEvents(ctx: ItemContext): ChannelEvent[] {
  const delivery = ctx.item.delivery!;
  const watermarkMs = finiteNumber(delivery.watermark);
  const watermark = watermarkMs === undefined ? undefined : timestampFromMs(watermarkMs);
  const mids = Array.isArray(delivery.mids) ? delivery.mids.filter((m): m is string => typeof m === 'string' && m !== '') : [];
  if (mids.length > 0) {
    return [...new Set(mids)].map((mid) => ({
      type: 'status' as const,
      dedupeKey: `delivered:${mid}`,
      status: { ...statusBase(ctx), providerMessageId: mid, state: DeliveryState.DELIVERED, watermark },
    }));
  }
  if (watermarkMs === undefined) return [unsupportedEvent(ctx)];
  return [
    {
      type: 'status',
      dedupeKey: `delivered:${ctx.pageId}:${ctx.userId}:${watermarkMs}`,
      status: { ...statusBase(ctx), state: DeliveryState.DELIVERED, watermark },
    },
  ];
}

/** Everything the Page sent up to the watermark has been read. */
function readEvents(ctx: ItemContext): ChannelEvent[] {
  const watermarkMs = finiteNumber(ctx.item.read!.watermark);
  if (watermarkMs === undefined) return [unsupportedEvent(ctx)];
  return [
    {
      type: 'status',
      dedupeKey: `read:${ctx.pageId}:${ctx.userId}:${watermarkMs}`,
      status: { ...statusBase(ctx), state: DeliveryState.READ, watermark: timestampFromMs(watermarkMs) },
    },
  ];
}

function unsupportedEvent(ctx: ItemContext): ChannelEvent {
  const kind = Object.keys(ctx.item).find((key) => !ENVELOPE_KEYS.has(key)) ?? 'empty';
  const content: ContentInit = { kind: { case: 'unsupported', value: { providerType: kind, providerJson: safeJsonText(ctx.item) } } };
  return messageEvent(ctx, syntheticId(kind, ctx, true), content);
}

/** Page feed changes (`entry[].changes`) are not conversations, but are kept rather than dropped. */
function pageChange(entry: MessengerEntry, change: unknown, receivedAt: Date): ChannelEvent {
  const ctx = contextOf(entry, {}, receivedAt);
  const field = change && typeof change === 'object' && typeof (change as { field?: unknown }).field === 'string' ? (change as { field: string }).field : 'change';
  const content: ContentInit = { kind: { case: 'unsupported', value: { providerType: `changes:${field}`, providerJson: safeJsonText(change) } } };
  const id = `changes:${entry.id}:${ctx.atMs}:${createHash('sha256').update(safeJsonText(change)).digest('hex').slice(0, 16)}`;
  return messageEvent(ctx, id, content);
}

function stringOr(value: unknown, fallback = ''): string {
  return typeof value === 'string' ? value : fallback;
}
