import { fromBinary, MessageSchema } from '@omni/contracts';
import type { EntityManager } from 'typeorm';
import { analyzerFor } from './documents';
import { botInputOf, factsOf } from './facts';
import { asksForHuman, DEFAULT_HUMAN_KEYWORDS } from './routing/bot';
import type { RoutingDocument } from './routing/document';
import { evaluate, flowFor, welcomeFor } from './routing/evaluate';
import { RouterStore } from './store';

/** Most decisions one replay reads (the report says when the range held more). */
export const MAX_REPLAY_DECISIONS = 20_000;

export interface ReplayOutcome {
  queue: string;
  priority: number;
  botFlow: string;
  rules: string[];
}

export interface ReplayExample {
  conversationId: string;
  decidedAt: string;
  changed: Array<'queue' | 'priority' | 'botFlow'>;
  recorded: ReplayOutcome;
  draft: ReplayOutcome;
}

export interface ReplayReport {
  from: string;
  to: string;
  decisions: number;
  conversations: number;
  /** Decisions that would change (any, and per kind), and the conversations they belong to. */
  changed: { any: number; queue: number; priority: number; botFlow: number; conversations: number };
  /** "from → to" queue moves and how many decisions make each. */
  queueMoves: Record<string, number>;
  examples: ReplayExample[];
  /** The range held more decisions than were replayed. */
  truncated: boolean;
}

/**
 * Replays the router's recorded decisions of [from, to) under a draft document: each decision's
 * input (the customer's message, the contact profile on it, bot answers, and the "last contact" and
 * "last CSAT" facts as they were) is evaluated again at its original time, and compared with what
 * was decided. Reads only: nothing is written or published.
 */
export async function replayDecisions(manager: EntityManager, draft: RoutingDocument, range: { from: Date; to: Date; examples: number; limit?: number }): Promise<ReplayReport> {
  const limit = Math.min(range.limit ?? MAX_REPLAY_DECISIONS, MAX_REPLAY_DECISIONS);
  const rows = await new RouterStore(manager).decisions(range.from, range.to, limit + 1);
  const truncated = rows.length > limit;
  const analyzer = analyzerFor(draft);
  const report: ReplayReport = {
    from: range.from.toISOString(),
    to: range.to.toISOString(),
    decisions: 0,
    conversations: 0,
    changed: { any: 0, queue: 0, priority: 0, botFlow: 0, conversations: 0 },
    queueMoves: {},
    examples: [],
    truncated,
  };
  const conversations = new Set<string>();
  const changedConversations = new Set<string>();
  for (const row of rows.slice(0, limit)) {
    const message = fromBinary(MessageSchema, row.message);
    const facts = factsOf(message, analyzer, {
      lastContactAt: row.facts.lastContactAt ? new Date(row.facts.lastContactAt) : undefined,
      lastCsat: row.facts.lastCsat,
      botAnswers: row.handoffContext,
    });
    const evaluation = evaluate(draft, facts, row.decidedAt);
    const reopened = row.reasons.some((r) => r.rule === 'reopened');
    const welcome = reopened ? undefined : welcomeFor(draft, facts);
    const humanAsked = asksForHuman(botInputOf(message), draft.human_keywords ?? DEFAULT_HUMAN_KEYWORDS);
    const recorded: ReplayOutcome = { queue: row.queue, priority: row.priority, botFlow: row.botFlow ?? '', rules: row.reasons.filter((r) => r.rule.startsWith('rule:')).map((r) => r.rule.slice(5)) };
    const after: ReplayOutcome = { queue: evaluation.queue, priority: evaluation.priority, botFlow: flowFor(evaluation, welcome, humanAsked) ?? '', rules: evaluation.matchedRules };
    const changed = (['queue', 'priority', 'botFlow'] as const).filter((k) => recorded[k] !== after[k]);
    report.decisions++;
    conversations.add(row.conversationId);
    for (const k of changed) report.changed[k]++;
    if (changed.includes('queue')) report.queueMoves[`${recorded.queue} → ${after.queue}`] = (report.queueMoves[`${recorded.queue} → ${after.queue}`] ?? 0) + 1;
    if (!changed.length) continue;
    report.changed.any++;
    changedConversations.add(row.conversationId);
    if (report.examples.length < range.examples) report.examples.push({ conversationId: row.conversationId, decidedAt: row.decidedAt.toISOString(), changed, recorded, draft: after });
  }
  report.conversations = conversations.size;
  report.changed.conversations = changedConversations.size;
  return report;
}
