import { Channel, create, ConversationAssignedSchema, ConversationQueuedSchema, ConversationRoutedSchema, MessageSchema } from '@omni/contracts';
import { integrityOf, latenciesOf, Ledger, type SentWebhook } from './lib/ledger';
import type { TapRecord } from './lib/tap';
import { customerOf } from './lib/webhooks';

const rec = <T>(value: T, ceId: string, receivedAt: number): TapRecord<T> => ({ topic: 't', key: '', value, ceId, ceSource: 'omni/x', partition: 0, offset: '0', receivedAt });
const normalized = (providerMessageId: string, conversationId: string) => create(MessageSchema, { channel: Channel.SMS, providerMessageId, conversationId });

describe('ledger: webhook → normalized → decision', () => {
  function send(ledger: Ledger, n: number, kind: 'new' | 'reply', customerNo: number, at: number): SentWebhook {
    const customer = customerOf('sms', customerNo);
    const w = ledger.dispatched({ n, step: 0, kind, customer, providerKey: `sms:SM${n}`, scheduledAt: at });
    ledger.answered(w, 200, at + 5);
    return w;
  }

  it('joins by provider id and conversation id, whatever order the topics arrive in, and measures from the schedule', () => {
    const ledger = new Ledger(() => 0);
    const assigned: string[] = [];
    ledger.onAssigned = (c) => assigned.push(c.conversationId);
    const a = send(ledger, 1, 'new', 1, 1_000);
    send(ledger, 2, 'new', 2, 1_010);
    // Conversation B's decision arrives before its normalized message.
    ledger.queued(rec(create(ConversationQueuedSchema, { conversationId: 'conv-b' }), 'q1', 1_090));
    ledger.normalized(rec(normalized('SM1', 'conv-a'), 'n1', 1_030));
    ledger.normalized(rec(normalized('SM2', 'conv-b'), 'n2', 1_040));
    ledger.routed(rec(create(ConversationRoutedSchema, { conversationId: 'conv-a' }), 'r1', 1_060));
    ledger.routed(rec(create(ConversationRoutedSchema, { conversationId: 'conv-a' }), 'r2', 1_080)); // a later routing: the first counts
    ledger.assigned(rec(create(ConversationAssignedSchema, { conversationId: 'conv-a', agentId: 'ana' }), 'a1', 1_100));
    expect(ledger.counters(0)).toEqual({ dispatched: 2, newDispatched: 2, decided: 2 });
    expect(ledger.backlog(0)).toBe(0);
    expect(assigned).toEqual(['conv-a']);
    const l = latenciesOf(ledger, ledger.webhooks);
    expect(l.webhookTo2xx.summary()).toMatchObject({ n: 2, max: 5 });
    expect(l.webhookToNormalized.summary()).toMatchObject({ n: 2 });
    expect(l.webhookToNormalized.summary().p50).toBeCloseTo(30, 1);
    expect(l.webhookToRouted.summary()).toMatchObject({ n: 1, max: 60 }); // B's routing was not seen
    expect(l.webhookToAssigned.summary()).toMatchObject({ n: 1, max: 100 }); // B was only queued
    expect(ledger.conversationOf(a)?.agentId).toBe('ana');
  });

  it('keeps a customer as a reply target until the agents start resolving, and holds resolution while a reply is in flight', () => {
    const ledger = new Ledger(() => 0);
    send(ledger, 1, 'new', 7, 0);
    expect(ledger.pickOpenCustomer()?.id).toBe(customerOf('sms', 7).id);
    const reply = ledger.dispatched({ n: 2, step: 0, kind: 'reply', customer: customerOf('sms', 7), providerKey: 'sms:SM2', scheduledAt: 10 });
    ledger.normalized(rec(normalized('SM1', 'conv-a'), 'n1', 20));
    ledger.assigned(rec(create(ConversationAssignedSchema, { conversationId: 'conv-a' }), 'a1', 30));
    const conversation = ledger.conversations.get('conv-a')!;
    expect(ledger.canResolve(conversation)).toBe(false);
    ledger.answered(reply, 200, 15);
    ledger.normalized(rec(normalized('SM2', 'conv-a'), 'n2', 40));
    expect(ledger.canResolve(conversation)).toBe(true);
    ledger.resolving(conversation);
    expect(ledger.pickOpenCustomer()).toBeUndefined();
  });

  it('finds lost, doubled and redelivered messages and decisions, and replies filed elsewhere', () => {
    const ledger = new Ledger(() => 0);
    send(ledger, 1, 'new', 1, 0); // normalized twice under two ce_ids, assigned twice
    send(ledger, 2, 'new', 2, 0); // normalized, never decided
    send(ledger, 3, 'new', 3, 0); // never normalized
    send(ledger, 4, 'reply', 1, 0); // filed in another conversation
    const refused = ledger.dispatched({ n: 5, step: 0, kind: 'new', customer: customerOf('sms', 5), providerKey: 'sms:SM5', scheduledAt: 0 });
    ledger.answered(refused, 503, 1);
    ledger.normalized(rec(normalized('SM1', 'c1'), 'x', 1));
    ledger.normalized(rec(normalized('SM1', 'c1'), 'x', 2)); // same ce_id again: redelivery
    ledger.normalized(rec(normalized('SM1', 'c1'), 'y', 3)); // another ce_id: a doubled effect
    ledger.normalized(rec(normalized('SM2', 'c2'), 'z', 1));
    ledger.normalized(rec(normalized('SM4', 'c9'), 'w', 1));
    ledger.normalized(rec(normalized('SM404', 'c9'), 'v', 1));
    ledger.assigned(rec(create(ConversationAssignedSchema, { conversationId: 'c1' }), 'a', 5));
    ledger.assigned(rec(create(ConversationAssignedSchema, { conversationId: 'c1' }), 'b', 6));
    // c6 waits and moves up (positions republished: one decision); c7's queued event is doubled.
    send(ledger, 6, 'new', 6, 0);
    send(ledger, 7, 'new', 7, 0);
    ledger.normalized(rec(normalized('SM6', 'c6'), 'n6', 1));
    ledger.normalized(rec(normalized('SM7', 'c7'), 'n7', 1));
    for (const [ceId, position] of [['q6a', 12], ['q6b', 8], ['q6b', 8], ['q6c', 3]] as const) ledger.queued(rec(create(ConversationQueuedSchema, { conversationId: 'c6', position }), ceId, 2));
    ledger.assigned(rec(create(ConversationAssignedSchema, { conversationId: 'c6' }), 'a6', 3));
    ledger.queued(rec(create(ConversationQueuedSchema, { conversationId: 'c7', position: 5 }), 'q7a', 2));
    ledger.queued(rec(create(ConversationQueuedSchema, { conversationId: 'c7', position: 5 }), 'q7b', 2));
    const r = integrityOf(ledger, ledger.webhooks);
    expect(r).toMatchObject({
      accepted: 6,
      failed: 1,
      failedByStatus: { '503': 1 },
      lostMessages: 1,
      doubledMessages: 1,
      redeliveredMessages: 1,
      newConversations: 5,
      lostConversations: 2,
      doubledAssignments: 1,
      doubledQueued: 1,
      redeliveredDecisions: 1,
      misthreadedReplies: 1,
      unknownNormalized: 1,
      ok: false,
    });
  });
});
