import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import {
  Channel,
  ConversationRoutedSchema,
  create,
  EntryPoint_Source,
  fromBinary,
  MessagePurpose,
  MessageSchema,
  OutboundRequestedSchema,
  timestampFromDate,
  toBinary,
  Topics,
  type Message,
} from '@omni/contracts';
import type { OutboxWriter } from '@omni/persistence';
import { RoutingDocuments, type LoadedDocument } from './documents';
import { botInputOf, factsOf, languageOf, timezoneOf } from './facts';
import { answerQuestion, asksForHuman, DEFAULT_HUMAN_KEYWORDS } from './routing/bot';
import type { BotFlow, LocalizedText, QuickReply } from './routing/document';
import { evaluate, flowFor, pickText, welcomeFor, type Evaluation } from './routing/evaluate';
import { formatDuration, formatOpening } from './routing/hours';
import { reason, type RouterReason } from './routing/reasons';
import { RouterStore, type BotSession, type ConversationState, type DecisionRow, type History } from './store';

/** Who the router's automatic messages are from (window-policy treats them as automation). */
export const BOT_AUTHOR = 'bot:router';

/** A bot flow left unanswered this long hands off at the customer's next message. */
export const BOT_SESSION_TTL_MS = 24 * 3_600_000;

/** What one customer message led to, for metrics and logs (no personal data). */
export type Outcome =
  | { kind: 'routed'; queue: string; rules: string[]; documentVersion: number; botFlow?: string }
  | { kind: 'bot-question'; flow: string; step: number }
  | { kind: 'already-routed' };

/**
 * The router's decisions for a customer message, inside the consumer's transaction: a conversation
 * that is not routed either starts a bot flow (welcome and first question) or is routed at once; a
 * conversation in a bot flow gets its answer recorded and the next question, or is handed off
 * (routed with the answers as handoff context). Outbound messages (welcome, questions, away and
 * in-hours messages, auto-replies) go out as omni.outbound.requested.v1 so window-policy decides
 * on them; every decision is recorded with its input for what-if replay.
 */
@Injectable()
export class RoutingEngine {
  constructor(private readonly documents: RoutingDocuments) {}

  /** `prefetched`: the message's state as a batch's lookup found it, sure to be current (see BatchStates); else it is looked up. */
  async onMessage(manager: EntityManager, outbox: OutboxWriter, message: Message, at: Date, now: Date, prefetched?: ConversationState): Promise<Outcome> {
    const store = new RouterStore(manager);
    const { session, conversation: existing, activeVersion, history } = prefetched ?? (await store.state(message.conversationId, { contactId: message.contactId, at }));
    if (session) return this.continueFlow(manager, store, outbox, session, message, at, now);
    // A message written before the conversation was closed belongs to it (it reached us after the
    // agent resolved): the normalizer keeps the conversation resolved, so it is not a reopening.
    // Only a message after the closure routes the conversation again.
    if (existing && (!existing.closedAt || at <= existing.closedAt)) return { kind: 'already-routed' };
    const reopened = existing !== undefined;
    if (activeVersion === undefined) throw new Error('no routing document is active');
    const doc = await this.documents.version(manager, activeVersion);
    const facts = factsOf(message, doc.analyzer, history);
    const evaluation = evaluate(doc.document, facts, at);
    const humanAsked = asksForHuman(botInputOf(message), doc.document.human_keywords ?? DEFAULT_HUMAN_KEYWORDS);
    // Not on a reopened conversation: the customer was greeted when it started.
    const welcome = reopened ? undefined : welcomeFor(doc.document, facts);
    const flow = flowFor(evaluation, welcome, humanAsked);
    const extra: RouterReason[] = reopened ? [reason('reopened', '', 'resolved earlier; routed again under the rules in force')] : [];
    const skipped = flowFor(evaluation, welcome, false);
    if (humanAsked && skipped) {
      extra.push(reason('bot-skipped', '', `the customer asked for a person; bot flow "${skipped}" skipped`));
      return this.route(store, outbox, doc, message, message, {}, extra, at, now);
    }
    // X sends its own welcome message for its deep links: greeting again would be twice.
    const providerWelcomed = message.channel === Channel.TWITTER && (message.entryPoint?.source === EntryPoint_Source.WELCOME_MESSAGE || !!message.entryPoint?.welcomeMessageId);
    const language = languageOf(message);
    if (welcome && !providerWelcomed && !humanAsked) {
      this.send(outbox, message, welcome.text, language, flow ? [] : (welcome.quick_replies ?? []), now);
    }
    if (flow) {
      const bot = doc.document.bots![flow];
      const started: BotSession = {
        conversationId: message.conversationId,
        contactId: message.contactId || null,
        flow,
        documentVersion: doc.version,
        step: 0,
        attempts: 0,
        answers: {},
        message: Buffer.from(toBinary(MessageSchema, message)),
        startedAt: at,
      };
      await store.saveSession(started, now);
      this.ask(outbox, message, bot, 0, language, now);
      return { kind: 'bot-question', flow, step: 0 };
    }
    return this.route(store, outbox, doc, message, message, {}, extra, at, now, { evaluation, context: history });
  }

  private async continueFlow(manager: EntityManager, store: RouterStore, outbox: OutboxWriter, session: BotSession, message: Message, at: Date, now: Date): Promise<Outcome> {
    const started = await this.documents.version(manager, session.documentVersion);
    const bot = started.document.bots?.[session.flow];
    const first = fromBinary(MessageSchema, session.message);
    const language = languageOf(first) || languageOf(message);
    const active = await this.documents.active(manager);
    const handoff = async (why: RouterReason, answers: Record<string, string>) => {
      await store.endSession(session.conversationId);
      if (bot?.done_text && why.rule !== 'bot-skipped') this.send(outbox, message, bot.done_text, language, [], now);
      return this.route(store, outbox, active, first, message, answers, [why], at, now, undefined, session.flow);
    };
    const question = bot?.questions[session.step];
    if (!bot || !question) return handoff(reason('bot:', session.flow, 'the flow is no longer defined; handed off'), session.answers);
    // A customer coming back long after leaving a flow gets a person, not yesterday's question.
    if (session.updatedAt && at.getTime() - session.updatedAt.getTime() > BOT_SESSION_TTL_MS) {
      return handoff(reason('bot-gave-up', '', `no answer to "${question.key}" for ${BOT_SESSION_TTL_MS / 3_600_000} hours`), session.answers);
    }
    const answer = answerQuestion(question, botInputOf(message), started.document.human_keywords ?? DEFAULT_HUMAN_KEYWORDS);
    if (answer.kind === 'human') return handoff(reason('bot-skipped', '', `the customer asked for a person at question "${question.key}"`), session.answers);
    if (answer.kind === 'no-match') {
      const attempts = session.attempts + 1;
      if (attempts >= (bot.max_attempts ?? 2)) return handoff(reason('bot-gave-up', '', `no usable answer to "${question.key}" after ${attempts} tries`), session.answers);
      await store.saveSession({ ...session, attempts }, now);
      if (bot.retry_text) this.send(outbox, message, bot.retry_text, language, [], now);
      this.ask(outbox, message, bot, session.step, language, now);
      return { kind: 'bot-question', flow: session.flow, step: session.step };
    }
    const answers = { ...session.answers, [question.key]: answer.value };
    const step = session.step + 1;
    if (step >= bot.questions.length) return handoff(reason('bot:', session.flow, `collected ${Object.keys(answers).join(', ')}`), answers);
    await store.saveSession({ ...session, step, attempts: 0, answers }, now);
    this.ask(outbox, message, bot, step, language, now);
    return { kind: 'bot-question', flow: session.flow, step };
  }

  /** Evaluates (unless given), stores, records and publishes the decision, and tells the customer about hours. */
  private async route(
    store: RouterStore,
    outbox: OutboxWriter,
    doc: LoadedDocument,
    first: Message,
    current: Message,
    answers: Record<string, string>,
    extra: RouterReason[],
    at: Date,
    now: Date,
    given?: { evaluation: Evaluation; context: History },
    botFlow?: string,
  ): Promise<Outcome> {
    const context = given?.context ?? (await this.context(store, first, at));
    const facts = factsOf(first, doc.analyzer, { ...context, botAnswers: answers });
    const evaluation = given?.evaluation ?? evaluate(doc.document, facts, at);
    const reasons = [...extra, ...evaluation.reasons];
    const id = randomUUID();
    const contactId = current.contactId || first.contactId;
    const decision: DecisionRow = {
      id,
      conversationId: current.conversationId,
      contactId,
      messageId: first.id,
      decidedAt: at,
      documentVersion: doc.version,
      queue: evaluation.queue,
      priority: evaluation.priority,
      botFlow: botFlow ?? null,
      reasons,
      handoffContext: answers,
      facts: { lastContactAt: context.lastContactAt?.toISOString(), lastCsat: context.lastCsat },
      message: Buffer.from(toBinary(MessageSchema, first)),
    };
    await store.recordRouting({
      conversation: { conversationId: current.conversationId, contactId, queue: evaluation.queue, priority: evaluation.priority, documentVersion: doc.version, routedAt: now, reasons },
      decision,
    });
    const sender = current.sender ?? first.sender;
    outbox.add(
      Topics.conversationRouted,
      current.conversationId,
      create(ConversationRoutedSchema, {
        id,
        conversationId: current.conversationId,
        contactId,
        channel: current.channel,
        messageId: current.id,
        queue: evaluation.queue,
        requiredSkills: evaluation.skills,
        // The language assignment must match: only a queue that lists languages asks for one (a
        // queue without languages takes any, and a short message's detected language is a guess).
        language: doc.document.queues[evaluation.queue]?.languages?.length ? facts.language : '',
        intent: facts.analysis.intent,
        priority: evaluation.priority,
        tier: first.contact?.tier ?? '',
        reasons,
        routedAt: timestampFromDate(now),
        customer: sender,
        accountId: current.accountId,
        policyVersion: `document-${doc.version}`,
        customerRef: {
          contactId,
          channel: current.channel,
          channelUserId: sender?.channelUserId ?? '',
          accountId: current.accountId,
          crmCustomerIds: (current.contact ?? first.contact)?.crmCustomerIds ?? [],
          phoneE164: (current.contact ?? first.contact)?.phoneE164 ?? '',
        },
        handoffContext: answers,
        tags: evaluation.tags,
        sentiment: facts.analysis.sentiment,
        escalated: evaluation.escalated,
        firstResponseTargetSeconds: evaluation.firstResponseTargetSeconds,
        inHours: evaluation.inHours,
        overflowQueue: evaluation.overflow?.queue ?? '',
        overflowAfterSeconds: evaluation.overflow?.afterSeconds ?? 0,
        botFlow: botFlow ?? '',
      }),
      { id },
    );
    const language = facts.language;
    if (evaluation.autoReply) this.send(outbox, current, evaluation.autoReply.text, language, evaluation.autoReply.quick_replies ?? [], now);
    const queue = doc.document.queues[evaluation.queue];
    if (!evaluation.inHours && queue.away_message) {
      const zone = timezoneOf(first) ?? queue.hours?.timezone ?? 'UTC';
      const opening = evaluation.nextOpening ? formatOpening(evaluation.nextOpening, zone, language || 'en') : '';
      this.send(outbox, current, queue.away_message, language, [], now, { next_opening: opening, queue: evaluation.queue });
    } else if (evaluation.inHours && queue.in_hours_message) {
      const target = evaluation.firstResponseTargetSeconds;
      this.send(outbox, current, queue.in_hours_message, language, [], now, { first_response: target ? formatDuration(target, (language || 'en').slice(0, 2)) : '', queue: evaluation.queue });
    }
    return { kind: 'routed', queue: evaluation.queue, rules: evaluation.matchedRules, documentVersion: doc.version, botFlow };
  }

  private async context(store: RouterStore, message: Message, at: Date): Promise<History> {
    return store.history(message.contactId, at);
  }

  private ask(outbox: OutboxWriter, to: Message, bot: BotFlow, step: number, language: string, now: Date): void {
    const question = bot.questions[step];
    this.send(outbox, to, question.text, language, (question.options ?? []).map((o) => ({ title: o.title, payload: o.payload })), now);
  }

  /** One automatic message to the customer, through window-policy like any other outbound. */
  private send(outbox: OutboxWriter, to: Message, text: LocalizedText, language: string, quickReplies: QuickReply[], now: Date, values: Record<string, string> = {}): void {
    const rendered = pickText(text, language).replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
    const id = randomUUID();
    outbox.add(
      Topics.outboundRequested,
      to.conversationId,
      create(OutboundRequestedSchema, {
        id,
        conversationId: to.conversationId,
        channel: to.channel,
        accountId: to.accountId,
        recipient: to.sender,
        authorId: BOT_AUTHOR,
        authorIsHuman: false,
        content: { text: rendered, quickReplies: quickReplies.map((q) => ({ title: q.title, payload: q.payload })) },
        requestedAt: timestampFromDate(now),
        purpose: MessagePurpose.CONVERSATIONAL,
        contactId: to.contactId,
      }),
      { id },
    );
  }
}
