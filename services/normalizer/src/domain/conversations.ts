import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { currentTransactionHooks, writeBufferOf, type TransactionHooks, type WriteBuffer } from '@omni/persistence';
import type { ConversationEntity } from './entities';
import { pendingContactsOf } from './new-contacts';
import { insertConversations, resolveConversations, selectLatestConversationForUpdate, updateConversationForOutbound, updateConversationsForInbound, type Resolution, type ResolveOutcome } from './rows';

export type { Resolution, ResolveOutcome };

export interface ConversationPolicy {
  /** A message within this long after resolution reopens the conversation instead of starting a new one. */
  reopenWindowMs: number;
}

export interface ConversationChoice {
  conversation: ConversationEntity;
  opened: boolean;
  reopened: boolean;
}

/** What a customer's message changes in the conversation it lands in (conversationForInbound). */
export type InboundUpdate = Pick<ConversationEntity, 'id' | 'contactId' | 'status' | 'resolvedAt' | 'resolution' | 'resolvedBy' | 'channels' | 'lastMessageAt' | 'lastInboundAt' | 'reopenCount' | 'entryPoint'>;

/** A conversation write a consumed batch keeps for its one statement: a new conversation, or a customer message's update. */
export type PendingConversation = { opened: ConversationEntity } | { inbound: InboundUpdate };

/**
 * Conversation writes a consumed batch makes together just before it commits (one statement for its
 * new conversations and one for its customers' messages in existing ones, instead of one each),
 * keyed by contact id. A read of a contact's conversations writes them first when one of them is
 * that contact's, and the batch's message buffer writes them all before the messages that refer to
 * them.
 */
export type PendingConversations = WriteBuffer<PendingConversation>;

/** The transaction's buffer of conversation writes. */
export function pendingConversationsOf(manager: EntityManager, hooks: TransactionHooks): PendingConversations {
  return writeBufferOf(
    hooks,
    'normalizer.conversations',
    async (rows: PendingConversation[]) => {
      // Their contacts first, should the batch have created them.
      await pendingContactsOf(manager, hooks).flush();
      await insertConversations(manager, rows.flatMap((row) => ('opened' in row ? [row.opened] : [])));
      await updateConversationsForInbound(manager, rows.flatMap((row) => ('inbound' in row ? [row.inbound] : [])));
    },
    (row) => ['opened' in row ? row.opened.contactId : row.inbound.contactId],
  );
}

async function latestOf(manager: EntityManager, contactId: string, pending?: PendingConversations): Promise<ConversationEntity | null> {
  await pending?.flushIfHolds(contactId);
  return selectLatestConversationForUpdate(manager, contactId);
}

/**
 * A new conversation (written now, or with the batch's others when `pending` is given). Callers
 * that know the contact has none (a contact created by this very message) call it directly:
 * looking for the latest one would only cost a round trip.
 */
export async function openConversation(
  manager: EntityManager,
  contactId: string,
  channel: string,
  at: Date,
  entryPoint: Record<string, unknown> | null,
  inbound: boolean,
  pending?: PendingConversations,
): Promise<ConversationChoice> {
  const conversation: ConversationEntity = {
    id: randomUUID(),
    contactId,
    status: 'open',
    channels: [channel],
    entryPoint,
    openedAt: at,
    lastMessageAt: at,
    lastInboundAt: inbound ? at : null,
    resolvedAt: null,
    resolution: null,
    resolvedBy: null,
    reopenCount: 0,
  } as ConversationEntity;
  if (pending) pending.add({ opened: conversation });
  else await insertConversations(manager, [conversation]);
  return { conversation, opened: true, reopened: false };
}

/**
 * The conversation a customer's new message belongs to: the contact's open one (whatever the
 * channel: a customer switching from Messenger to SMS stays in one conversation), the latest one
 * reopened when the message comes at most `reopenWindowMs` after its resolution (the boundary
 * itself reopens), or a new one. `entryPoint` (deep link, ad, welcome message) is recorded when the
 * conversation starts, or later if it had none.
 */
export async function conversationForInbound(
  manager: EntityManager,
  contactId: string,
  channel: string,
  at: Date,
  policy: ConversationPolicy,
  entryPoint: Record<string, unknown> | null,
  pending?: PendingConversations,
  /** The contact's latest conversation when the caller read it already, locked (null: none). */
  known?: ConversationEntity | null,
): Promise<ConversationChoice> {
  const latest = known !== undefined ? known : await latestOf(manager, contactId, pending);
  const withinWindow = latest?.resolvedAt && at.getTime() - latest.resolvedAt.getTime() <= policy.reopenWindowMs;
  if (!latest || !(latest.status === 'open' || withinWindow)) return openConversation(manager, contactId, channel, at, entryPoint, true, pending);
  const reopened = latest.status === 'resolved';
  const updates: InboundUpdate = {
    id: latest.id,
    contactId: latest.contactId,
    status: 'open' as const,
    resolvedAt: null,
    resolution: null,
    resolvedBy: null,
    channels: latest.channels.includes(channel) ? latest.channels : [...latest.channels, channel],
    lastMessageAt: at > latest.lastMessageAt ? at : latest.lastMessageAt,
    lastInboundAt: latest.lastInboundAt && latest.lastInboundAt > at ? latest.lastInboundAt : at,
    reopenCount: latest.reopenCount + (reopened ? 1 : 0),
    entryPoint: latest.entryPoint ?? entryPoint,
  };
  // With the batch's others when it has a buffer: the next read of this contact's conversations
  // (its next message in the batch) writes it first.
  if (pending) pending.add({ inbound: updates });
  else await updateConversationsForInbound(manager, [updates]);
  return { conversation: { ...latest, ...updates }, opened: false, reopened };
}

/**
 * The conversation a message the business sent belongs to (an echo, a gateway's send result): the
 * contact's latest conversation, never reopened by it; a new one only when the contact has none.
 */
export async function conversationForOutbound(
  manager: EntityManager,
  contactId: string,
  channel: string,
  at: Date,
  pending?: PendingConversations,
  /** As for conversationForInbound. */
  known?: ConversationEntity | null,
): Promise<ConversationChoice> {
  const latest = known !== undefined ? known : await latestOf(manager, contactId, pending);
  if (!latest) return openConversation(manager, contactId, channel, at, null, false, pending);
  await touchOutbound(manager, latest, channel, at);
  return { conversation: latest, opened: false, reopened: false };
}

/** Records that the business wrote in a conversation (channel used, last message time). */
export async function touchOutbound(manager: EntityManager, conversation: ConversationEntity, channel: string, at: Date): Promise<void> {
  const channels = conversation.channels.includes(channel) ? conversation.channels : [...conversation.channels, channel];
  const lastMessageAt = at > conversation.lastMessageAt ? at : conversation.lastMessageAt;
  await updateConversationForOutbound(manager, conversation.id, channels, lastMessageAt);
  Object.assign(conversation, { channels, lastMessageAt });
}

/**
 * Told, when a transaction's resolutions are written, what each resolution of that write did, in
 * the order they were made (once per write, however many of them came with this listener).
 */
export type ResolutionsWritten = (outcomes: readonly ResolveOutcome[]) => void;

/** A resolution as resolveConversation keeps it until it is written, with who hears its outcome. */
interface PendingResolution {
  resolution: Resolution;
  written: ResolutionsWritten;
}

/**
 * Resolutions a transaction (a consumed batch of omni.conversation.resolved.v1) writes together
 * just before it commits, in one statement instead of one each; their outcomes are known only
 * then, and told to the listeners that came with them.
 *
 * Whatever reads or writes conversations in the same transaction after a resolution must write
 * them first: a resolution of a conversation the batch opened writes the new conversations first,
 * and a record of another topic writes the resolutions first (`writePendingResolutions`; a batch
 * holds one topic today). Nothing else can meet them: the HTTP API runs its own transactions.
 */
function pendingResolutionsOf(manager: EntityManager, hooks: TransactionHooks): WriteBuffer<PendingResolution> {
  return writeBufferOf(hooks, 'normalizer.resolutions', async (rows: PendingResolution[]) => {
    // A resolution of a conversation this transaction opened must find it.
    await pendingConversationsOf(manager, hooks).flush();
    const outcomes = await resolveConversations(manager, rows.map((row) => row.resolution));
    // Once each, however many of the resolutions came with it.
    for (const listener of new Set(rows.map((row) => row.written))) listener(outcomes);
  });
}

/**
 * Writes the transaction's pending resolutions now: a handler that reads or writes conversations
 * calls it first, should its record share a transaction with resolutions (a batch of mixed topics).
 */
export function writePendingResolutions(manager: EntityManager, hooks: TransactionHooks): Promise<void> {
  return pendingResolutionsOf(manager, hooks).flush();
}

/**
 * Marks a conversation resolved (from omni.conversation.resolved.v1), `written` told its outcome.
 * A resolution older than the customer's last message does not close it: the customer wrote again
 * after the agent resolved (the message reached us first), which reopens it at once. Inside a unit
 * of work it is written with the transaction's other resolutions just before the commit (see
 * resolveConversations for why that is the same as one by one); outside one, at once.
 */
export async function resolveConversation(manager: EntityManager, resolution: Resolution, written: ResolutionsWritten): Promise<void> {
  const hooks = currentTransactionHooks();
  if (hooks) return pendingResolutionsOf(manager, hooks).add({ resolution, written });
  written(await resolveConversations(manager, [resolution]));
}
