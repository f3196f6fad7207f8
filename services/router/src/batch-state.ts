import { isUuid } from '@omni/messaging';
import { currentTransactionHooks, type TransactionHooks } from '@omni/persistence';
import type { ConversationState, RouterStore, StateQuestion } from './store';

/** A message of a consumed batch that will ask for its state, and what it will ask. */
export interface BatchQuestion extends StateQuestion {
  eventId: string;
}

type Change = { conversationId?: string; contactId?: string | null } | 'everything';

/**
 * What a transaction changed of what `RouterStore.state` reads: the conversations (routing record,
 * bot session) and the contacts (decisions, CSAT) its writes concerned, or everything (an erasure).
 */
class StateChanges {
  private readonly conversations = new Set<string>();
  private readonly contacts = new Set<string>();
  private everything = false;

  note(change: Change): void {
    if (change === 'everything') {
      this.everything = true;
      return;
    }
    if (change.conversationId) this.conversations.add(change.conversationId.toLowerCase());
    if (change.contactId) this.contacts.add(change.contactId);
  }

  concern(question: StateQuestion): boolean {
    return this.everything || this.conversations.has(question.conversationId.toLowerCase()) || (!!question.contactId && this.contacts.has(question.contactId));
  }
}

function changesOf(hooks: TransactionHooks): StateChanges {
  return hooks.local('router.state-changes', () => new StateChanges());
}

/** Notes, inside a unit of work, that its transaction changed what `state` reads about a conversation or contact. */
export function stateChanged(change: Change): void {
  const hooks = currentTransactionHooks();
  if (hooks) changesOf(hooks).note(change);
}

/**
 * The questions worth asking for the whole batch: each conversation's and each contact's first
 * message. A later one follows a message that may have routed its conversation, started or ended
 * its bot flow, or added to its contact's history, so it asks the database itself. A malformed
 * conversation id or time is left out (it would fail the statement for the whole batch; alone, it
 * fails its own message as before).
 */
function firstOfTheirConversationAndContact(questions: readonly BatchQuestion[]): BatchQuestion[] {
  const conversations = new Set<string>();
  const contacts = new Set<string>();
  const firsts: BatchQuestion[] = [];
  for (const question of questions) {
    const conversation = question.conversationId.toLowerCase();
    const first = !conversations.has(conversation) && !(question.contactId && contacts.has(question.contactId));
    conversations.add(conversation);
    if (question.contactId) contacts.add(question.contactId);
    if (first && wellFormed(question)) firsts.push(question);
  }
  return firsts;
}

function wellFormed(question: StateQuestion): boolean {
  return isUuid(question.conversationId) && !Number.isNaN(question.at.getTime());
}

/**
 * The state of a consumed batch's messages, looked up for all of them in one statement at the
 * first of them, instead of one `RouterStore.state` per message.
 *
 * Only an answer it is sure of is given, once, to the message it was looked up for: only the
 * first message of each conversation and of each contact is looked up, and its answer is withheld
 * when the transaction changed the conversation or the contact since (a bot's handoff records the
 * routing under the contact of the message that started the flow, which the current message need
 * not carry; an erasure deletes by contact). Every other message asks the database itself, which
 * also writes the routings pending for it first.
 *
 * Other transactions are seen as before: the answers are read committed and unlocked, as `state`
 * reads them, only a little earlier in the same batch. The active document version changes only
 * through the HTTP API, in transactions of its own.
 */
export class BatchStates {
  private constructor(
    private readonly answers: Map<string, { question: StateQuestion; state: ConversationState }>,
    private readonly changes: StateChanges,
  ) {}

  /** Looks the batch's questions up (none when fewer than two are worth it: one costs what `state` costs). */
  static async prepare(store: RouterStore, hooks: TransactionHooks, questions: readonly BatchQuestion[]): Promise<BatchStates> {
    const asked = firstOfTheirConversationAndContact(questions);
    const states = asked.length >= 2 ? await store.states(asked) : [];
    const answers = new Map(states.map((state, i) => [asked[i]!.eventId, { question: asked[i]!, state }]));
    return new BatchStates(answers, changesOf(hooks));
  }

  /** The state the batch looked up for this record's question, or undefined when the caller must ask `state`. */
  take(eventId: string, question: StateQuestion): ConversationState | undefined {
    const answer = this.answers.get(eventId);
    if (!answer) return undefined;
    this.answers.delete(eventId);
    if (!sameQuestion(answer.question, question) || this.changes.concern(question)) return undefined;
    return answer.state;
  }
}

/** The same message may decide at another time when the clock moved past its send time meanwhile. */
function sameQuestion(a: StateQuestion, b: StateQuestion): boolean {
  return a.conversationId === b.conversationId && a.contactId === b.contactId && a.at.getTime() === b.at.getTime();
}
