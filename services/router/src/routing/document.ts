/**
 * The routing document (YAML, versioned): queues, welcomes, bot flows and rules. These are the
 * types the loader returns once the JSON Schema (schema.ts) and the cross-reference checks passed;
 * docs/routing.md describes every field.
 */

/** A text in one language, or per language (`en`, `fr`, … and optionally `default`). */
export type LocalizedText = string | Record<string, string>;

export interface QuickReply {
  title: string;
  payload: string;
}

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
export const WEEKDAYS: readonly Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export interface BusinessHours {
  /** IANA zone the weekly ranges and holidays are in. */
  timezone: string;
  /** `HH:MM-HH:MM` ranges per day; a day that is absent or empty is closed. */
  weekly: Partial<Record<Weekday, string[]>>;
  /** Closed dates (`YYYY-MM-DD`, in the queue's zone). */
  holidays?: string[];
}

export interface QueueDefinition {
  skills?: string[];
  /** Languages the team speaks (primary subtags: `en`, `fr`); empty = any. */
  languages?: string[];
  hours?: BusinessHours;
  /** Where conversations go when this queue is closed (and how long assignment waits before moving them). */
  overflow?: { queue: string; after_seconds?: number };
  /** Sent outside business hours; `{next_opening}` names when the team is back. */
  away_message?: LocalizedText;
  /** Sent inside business hours; `{first_response}` is the first-response target, in words. */
  in_hours_message?: LocalizedText;
  first_response_target_seconds?: number;
}

export type EntryPointSource = 'deep_link' | 'ad' | 'welcome_message' | 'post' | 'other';

export interface EntryPointCondition {
  source?: EntryPointSource[];
  ref?: string[];
  ad_id?: string[];
  welcome_message_id?: string[];
}

export interface WelcomeDefinition {
  id: string;
  entry_point: EntryPointCondition;
  text: LocalizedText;
  quick_replies?: QuickReply[];
  /** Bot flow started after the greeting. */
  bot?: string;
}

export interface BotOption extends QuickReply {
  /** Other words that pick this option when typed. */
  synonyms?: string[];
}

export interface BotQuestion {
  /** The handoff-context key the answer is stored under. */
  key: string;
  text: LocalizedText;
  /** Offered as quick replies; a typed answer matching one (title, payload, synonym) picks it. */
  options?: BotOption[];
  /** A typed answer must match this regular expression (the first group, if any, is kept). */
  pattern?: string;
}

export interface BotFlow {
  questions: BotQuestion[];
  /** Answers that match nothing before the flow gives up and hands off (default 2). */
  max_attempts?: number;
  /** Sent when an answer matched nothing. */
  retry_text?: LocalizedText;
  /** Sent at handoff. */
  done_text?: LocalizedText;
}

export type NumberMatcher = { eq?: number; gt?: number; gte?: number; lt?: number; lte?: number };
/** A list of accepted values (case-insensitive), or a numeric comparison. */
export type AttributeMatcher = string[] | NumberMatcher;

export interface RuleConditions {
  channel?: string[];
  entry_point?: EntryPointCondition;
  language?: string[];
  keywords?: string[];
  intent?: string[];
  sentiment?: Array<'negative' | 'neutral' | 'positive'>;
  /** CRM attributes of the contact profile, by field name (`tier`, `lifetime_value`, `open_orders`…). */
  contact?: Record<string, AttributeMatcher>;
  /** The contact was routed before, at most this many days ago. */
  repeat_within_days?: number;
  /** The contact's last CSAT answer (1–5). */
  last_csat?: NumberMatcher;
  /** Answers a bot flow collected (key → accepted answers). */
  bot_answers?: Record<string, string[]>;
}

export interface AutoReply {
  text: LocalizedText;
  quick_replies?: QuickReply[];
}

export interface RuleActions {
  queue?: string;
  add_skills?: string[];
  /** Sets the priority (higher is more urgent). */
  priority?: number;
  /** Adds to the priority. */
  priority_boost?: number;
  tags?: string[];
  auto_reply?: AutoReply;
  bot?: string;
  /** Straight to a human, served first (skips any bot). */
  escalate?: boolean;
}

export interface RuleDefinition {
  id: string;
  description?: string;
  when: RuleConditions;
  then: RuleActions;
  /** Scored evaluation: the rule's weight (default 1). */
  score?: number;
  /** First-match evaluation: go on to the next rules after this one matched. */
  continue?: boolean;
}

export interface RoutingDocument {
  version: 1;
  name?: string;
  evaluation: 'first-match' | 'scored';
  default_queue: string;
  /** Words that ask for a person and skip any bot (built-in EN/FR list when absent). */
  human_keywords?: string[];
  /** Extra keywords per intent and language, merged with the built-in lexicon. */
  intents?: Record<string, Record<string, string[]>>;
  queues: Record<string, QueueDefinition>;
  welcomes?: WelcomeDefinition[];
  bots?: Record<string, BotFlow>;
  rules: RuleDefinition[];
}
