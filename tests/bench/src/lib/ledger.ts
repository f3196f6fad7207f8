/**
 * What the benchmark sent and what came out, joined: webhook (by provider message id) →
 * normalized Message (which names the conversation) → assigned / queued decision (by conversation
 * id). Also the customers whose conversations are still open (reply targets) and the bookkeeping
 * for the no-loss / no-double check.
 */
import { Channel, type ConversationAssigned, type ConversationQueued, type ConversationRouted, type Message } from '@omni/contracts';
import { LatencyHistogram } from './histogram';
import type { TapRecord } from './tap';
import type { Customer } from './webhooks';
import type { ChannelSlug } from './settings';

export interface SentWebhook {
  n: number;
  /** Step (ladder index, or a fault phase); -1 for warm-up. */
  step: number;
  kind: 'new' | 'reply';
  customer: Customer;
  providerKey: string;
  scheduledAt: number;
  /** HTTP status (0: no answer: connection error or timeout); undefined while in flight. */
  status?: number;
  answeredAt?: number;
  error?: string;
  /** Distinct ce_ids of the normalized records carrying this provider message id. */
  normalizedIds: Set<string>;
  normalizedRecords: number;
  normalizedAt?: number;
  conversationId?: string;
}

export interface ConversationState {
  conversationId: string;
  first?: SentWebhook;
  assignedIds: Set<string>;
  queuedIds: Set<string>;
  /** Position in the conversation's last queued event of its current wait (reset by an assignment). */
  lastQueuedPosition?: number;
  /** Queued events that repeated the previous one's position under another ce_id: a doubled decision. */
  repeatedQueued: number;
  assignedRecords: number;
  queuedRecords: number;
  assignedAt?: number;
  queuedAt?: number;
  /** When the tap first saw the router's decision (omni.conversation.routed.v1): the hop between normalized and assigned. */
  routedAt?: number;
  decidedAt?: number;
  agentId?: string;
  resolving?: boolean;
}

export const CHANNEL_SLUG: Partial<Record<Channel, ChannelSlug>> = {
  [Channel.MESSENGER]: 'messenger',
  [Channel.WHATSAPP]: 'whatsapp',
  [Channel.TWITTER]: 'twitter',
  [Channel.SMS]: 'sms',
};

export const accepted = (w: SentWebhook) => w.status !== undefined && w.status >= 200 && w.status < 300;

export interface StepCounters {
  dispatched: number;
  newDispatched: number;
  /** New conversations of this step whose first decision (assigned or queued) was seen. */
  decided: number;
}

export class Ledger {
  readonly webhooks: SentWebhook[] = [];
  private readonly byProvider = new Map<string, SentWebhook>();
  readonly conversations = new Map<string, ConversationState>();
  readonly steps = new Map<number, StepCounters>();
  /** Normalized records whose provider message id the benchmark never sent. */
  unknownNormalized = 0;
  /** Replies the normalizer filed in another conversation than their customer's first message. */
  misthreadedReplies = 0;

  private readonly open: Customer[] = [];
  private readonly openIndex = new Map<string, number>();
  private readonly pendingReplies = new Map<string, number>();
  private readonly conversationOfCustomer = new Map<string, string>();
  /** Called once per conversation when its first assigned event arrives (the agents resolve it). */
  onAssigned?: (conversation: ConversationState) => void;

  constructor(private readonly random: () => number) {}

  counters(step: number): StepCounters {
    let c = this.steps.get(step);
    if (!c) {
      c = { dispatched: 0, newDispatched: 0, decided: 0 };
      this.steps.set(step, c);
    }
    return c;
  }

  /** A reply target: a customer whose conversation the agents have not started resolving. */
  pickOpenCustomer(): Customer | undefined {
    if (!this.open.length) return undefined;
    return this.open[Math.floor(this.random() * this.open.length)];
  }

  private openCustomer(c: Customer): void {
    if (this.openIndex.has(c.key)) return;
    this.openIndex.set(c.key, this.open.length);
    this.open.push(c);
  }

  private closeCustomer(key: string): void {
    const i = this.openIndex.get(key);
    if (i === undefined) return;
    const last = this.open.pop()!;
    if (i < this.open.length) {
      this.open[i] = last;
      this.openIndex.set(last.key, i);
    }
    this.openIndex.delete(key);
  }

  get openCustomers(): number {
    return this.open.length;
  }

  dispatched(webhook: Omit<SentWebhook, 'normalizedIds' | 'normalizedRecords'>): SentWebhook {
    const w: SentWebhook = { ...webhook, normalizedIds: new Set(), normalizedRecords: 0 };
    this.webhooks.push(w);
    this.byProvider.set(w.providerKey, w);
    const c = this.counters(w.step);
    c.dispatched++;
    if (w.kind === 'new') {
      c.newDispatched++;
      this.openCustomer(w.customer);
    } else {
      this.pendingReplies.set(w.customer.key, (this.pendingReplies.get(w.customer.key) ?? 0) + 1);
    }
    return w;
  }

  answered(w: SentWebhook, status: number, at: number, error?: string): void {
    w.status = status;
    w.answeredAt = at;
    w.error = error;
    if (accepted(w)) return;
    // Refused or unanswered: no conversation to reply in / no reply to wait for.
    if (w.kind === 'new') this.closeCustomer(w.customer.key);
    else this.replyDone(w.customer.key);
  }

  private replyDone(customerKey: string): void {
    const left = (this.pendingReplies.get(customerKey) ?? 1) - 1;
    if (left > 0) this.pendingReplies.set(customerKey, left);
    else this.pendingReplies.delete(customerKey);
  }

  private conversation(id: string): ConversationState {
    let c = this.conversations.get(id);
    if (!c) {
      c = { conversationId: id, assignedIds: new Set(), queuedIds: new Set(), repeatedQueued: 0, assignedRecords: 0, queuedRecords: 0 };
      this.conversations.set(id, c);
    }
    return c;
  }

  normalized(record: TapRecord<Message>): void {
    const slug = CHANNEL_SLUG[record.value.channel];
    const w = slug ? this.byProvider.get(`${slug}:${record.value.providerMessageId}`) : undefined;
    if (!w) {
      this.unknownNormalized++;
      return;
    }
    w.normalizedRecords++;
    w.normalizedIds.add(record.ceId);
    if (w.normalizedAt !== undefined) return;
    w.normalizedAt = record.receivedAt;
    w.conversationId = record.value.conversationId;
    if (w.kind === 'reply') {
      this.replyDone(w.customer.key);
      const expected = this.conversationOfCustomer.get(w.customer.key);
      if (expected && expected !== w.conversationId) this.misthreadedReplies++;
      return;
    }
    this.conversationOfCustomer.set(w.customer.key, w.conversationId);
    const c = this.conversation(w.conversationId);
    c.first ??= w;
    this.join(c);
  }

  routed(record: TapRecord<ConversationRouted>): void {
    const c = this.conversation(record.value.conversationId);
    c.routedAt ??= record.receivedAt;
  }

  assigned(record: TapRecord<ConversationAssigned>): void {
    const c = this.conversation(record.value.conversationId);
    c.assignedRecords++;
    c.assignedIds.add(record.ceId);
    c.lastQueuedPosition = undefined;
    if (c.assignedAt !== undefined) return;
    c.assignedAt = record.receivedAt;
    c.agentId = record.value.agentId;
    c.decidedAt = Math.min(c.decidedAt ?? Infinity, record.receivedAt);
    this.join(c, true);
    this.onAssigned?.(c);
  }

  queued(record: TapRecord<ConversationQueued>): void {
    const c = this.conversation(record.value.conversationId);
    c.queuedRecords++;
    // Assignment publishes queued again whenever a waiting conversation's position changes
    // materially, so several queued events per conversation are normal. Two in a row with the same
    // position under different ce_ids are not: that is the decision applied twice.
    if (!c.queuedIds.has(record.ceId)) {
      if (c.lastQueuedPosition === record.value.position) c.repeatedQueued++;
      c.lastQueuedPosition = record.value.position;
    }
    c.queuedIds.add(record.ceId);
    if (c.queuedAt !== undefined) return;
    c.queuedAt = record.receivedAt;
    c.decidedAt = Math.min(c.decidedAt ?? Infinity, record.receivedAt);
    this.join(c);
  }

  private readonly joined = new Set<string>();
  private join(c: ConversationState, _assigned = false): void {
    if (!c.first || c.decidedAt === undefined || this.joined.has(c.conversationId)) return;
    this.joined.add(c.conversationId);
    this.counters(c.first.step).decided++;
  }

  /** May the agents resolve it now? Not while a reply of its customer is still on its way. */
  canResolve(c: ConversationState): boolean {
    return !c.first || !this.pendingReplies.get(c.first.customer.key);
  }

  /** The agents start resolving: its customer stops being a reply target. */
  resolving(c: ConversationState): void {
    c.resolving = true;
    if (c.first) this.closeCustomer(c.first.customer.key);
  }

  /** Sent but not yet decided new conversations of a step (refused ones excluded). */
  backlog(step: number): number {
    const c = this.counters(step);
    let refused = 0;
    // Refusals are rare; counting them on demand keeps dispatch cheap.
    for (let i = this.webhooks.length - 1; i >= 0; i--) {
      const w = this.webhooks[i]!;
      if (w.step < step) break;
      if (w.step === step && w.kind === 'new' && w.status !== undefined && !accepted(w)) refused++;
    }
    return c.newDispatched - refused - c.decided;
  }

  webhooksOf(step: number | ((step: number) => boolean)): SentWebhook[] {
    const match = typeof step === 'number' ? (s: number) => s === step : step;
    return this.webhooks.filter((w) => match(w.step));
  }

  conversationOf(w: SentWebhook): ConversationState | undefined {
    return w.conversationId ? this.conversations.get(w.conversationId) : undefined;
  }

  /** Everything still outstanding for these webhooks: unanswered, unnormalized, undecided. */
  outstanding(webhooks: readonly SentWebhook[]): { unanswered: number; unnormalized: number; undecided: number } {
    let unanswered = 0;
    let unnormalized = 0;
    let undecided = 0;
    for (const w of webhooks) {
      if (w.status === undefined) unanswered++;
      else if (!accepted(w)) continue;
      else if (w.normalizedAt === undefined) unnormalized++;
      else if (w.kind === 'new' && this.conversationOf(w)?.decidedAt === undefined) undecided++;
    }
    return { unanswered, unnormalized, undecided };
  }
}

export interface StepLatencies {
  webhookTo2xx: LatencyHistogram;
  webhookToNormalized: LatencyHistogram;
  /** New conversations: to the router's decision. */
  webhookToRouted: LatencyHistogram;
  webhookToAssigned: LatencyHistogram;
}

export function latenciesOf(ledger: Ledger, webhooks: readonly SentWebhook[]): StepLatencies {
  const out: StepLatencies = { webhookTo2xx: new LatencyHistogram(), webhookToNormalized: new LatencyHistogram(), webhookToRouted: new LatencyHistogram(), webhookToAssigned: new LatencyHistogram() };
  for (const w of webhooks) {
    if (!accepted(w)) continue;
    out.webhookTo2xx.record(w.answeredAt! - w.scheduledAt);
    if (w.normalizedAt !== undefined) out.webhookToNormalized.record(w.normalizedAt - w.scheduledAt);
    if (w.kind !== 'new') continue;
    const c = ledger.conversationOf(w);
    if (c?.routedAt !== undefined) out.webhookToRouted.record(c.routedAt - w.scheduledAt);
    if (c?.assignedAt !== undefined) out.webhookToAssigned.record(c.assignedAt - w.scheduledAt);
  }
  return out;
}

export interface IntegrityReport {
  /** Webhooks answered 2xx. */
  accepted: number;
  /** Webhooks refused (non-2xx) or unanswered (connection error, timeout). */
  failed: number;
  failedByStatus: Record<string, number>;
  /** 2xx webhooks with no normalized message. */
  lostMessages: number;
  /** 2xx webhooks normalized more than once under different ce_ids (a doubled effect). */
  doubledMessages: number;
  /** Same ce_id delivered again (at-least-once delivery; harmless for inbox-deduplicating consumers). */
  redeliveredMessages: number;
  newConversations: number;
  /** New conversations with neither an assigned nor a queued event. */
  lostConversations: number;
  /** Conversations assigned (or queued) more than once under different ce_ids. */
  doubledAssignments: number;
  doubledQueued: number;
  redeliveredDecisions: number;
  /** Queued and never assigned by the end (capacity never came free): reported, not a failure. */
  stillQueued: number;
  misthreadedReplies: number;
  unknownNormalized: number;
  ok: boolean;
}

export function integrityOf(ledger: Ledger, webhooks: readonly SentWebhook[]): IntegrityReport {
  const r: IntegrityReport = {
    accepted: 0,
    failed: 0,
    failedByStatus: {},
    lostMessages: 0,
    doubledMessages: 0,
    redeliveredMessages: 0,
    newConversations: 0,
    lostConversations: 0,
    doubledAssignments: 0,
    doubledQueued: 0,
    redeliveredDecisions: 0,
    stillQueued: 0,
    misthreadedReplies: ledger.misthreadedReplies,
    unknownNormalized: ledger.unknownNormalized,
    ok: true,
  };
  for (const w of webhooks) {
    if (!accepted(w)) {
      r.failed++;
      const key = w.status === undefined ? 'in flight' : w.status === 0 ? (w.error ?? 'no answer') : String(w.status);
      r.failedByStatus[key] = (r.failedByStatus[key] ?? 0) + 1;
      continue;
    }
    r.accepted++;
    if (w.normalizedIds.size === 0) r.lostMessages++;
    if (w.normalizedIds.size > 1) r.doubledMessages++;
    if (w.normalizedRecords > w.normalizedIds.size) r.redeliveredMessages++;
    if (w.kind !== 'new') continue;
    r.newConversations++;
    const c = ledger.conversationOf(w);
    if (!c || (c.assignedIds.size === 0 && c.queuedIds.size === 0)) {
      r.lostConversations++;
      continue;
    }
    if (c.assignedIds.size > 1) r.doubledAssignments++;
    if (c.repeatedQueued > 0) r.doubledQueued++;
    if (c.assignedRecords + c.queuedRecords > c.assignedIds.size + c.queuedIds.size) r.redeliveredDecisions++;
    if (c.assignedIds.size === 0) r.stillQueued++;
  }
  r.ok = r.lostMessages === 0 && r.doubledMessages === 0 && r.lostConversations === 0 && r.doubledAssignments === 0 && r.doubledQueued === 0 && r.misthreadedReplies === 0;
  return r;
}
