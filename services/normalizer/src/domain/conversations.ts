import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { ConversationEntity } from './entities';

export interface ConversationPolicy {
  /** A message within this long after resolution reopens the conversation instead of starting a new one. */
  reopenWindowMs: number;
}

/**
 * The conversation a new message belongs to: the contact's open one (whatever the channel: a
 * customer switching from Messenger to SMS stays in one conversation), a recently resolved one
 * reopened, or a new one. `entryPoint` is recorded when the conversation starts.
 */
export async function conversationFor(
  manager: EntityManager,
  contactId: string,
  channel: string,
  at: Date,
  policy: ConversationPolicy,
  entryPoint: Record<string, unknown> | null,
): Promise<{ conversation: ConversationEntity; opened: boolean; reopened: boolean }> {
  const latest = await manager.findOne(ConversationEntity, {
    where: { contactId },
    order: { lastMessageAt: 'DESC' },
    lock: { mode: 'pessimistic_write' },
  });
  if (latest && (latest.status === 'open' || (latest.resolvedAt && at.getTime() - latest.resolvedAt.getTime() <= policy.reopenWindowMs))) {
    const reopened = latest.status === 'resolved';
    const channels = latest.channels.includes(channel) ? latest.channels : [...latest.channels, channel];
    const lastMessageAt = at > latest.lastMessageAt ? at : latest.lastMessageAt;
    await manager.update(ConversationEntity, { id: latest.id }, { status: 'open', resolvedAt: null, channels, lastMessageAt });
    return { conversation: { ...latest, status: 'open', resolvedAt: null, channels, lastMessageAt }, opened: false, reopened };
  }
  const conversation = manager.create(ConversationEntity, {
    id: randomUUID(),
    contactId,
    status: 'open',
    channels: [channel],
    entryPoint,
    openedAt: at,
    lastMessageAt: at,
    resolvedAt: null,
  });
  await manager.save(ConversationEntity, conversation);
  return { conversation, opened: true, reopened: false };
}
