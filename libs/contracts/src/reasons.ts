/**
 * The one registry of decision reason names (`DecisionReason.rule`). Every event that carries
 * reasons (routed, queued, offered, assigned, approved, rejected…) uses these names, unchanged, so a
 * CRM matches on one vocabulary. Parametrised reasons use a `prefix:` followed by a value from
 * configuration (a rule id, a queue name), e.g. `rule:vip-escalation`. Assignment's events repeat
 * the router's reasons first, under the same names, then add their own.
 *
 * Services add their reasons here (never string literals in handlers) with who emits them and what
 * they mean; docs/crm-integration.md renders this table.
 */
export interface ReasonDefinition {
  /** Stable machine name, or a prefix ending in ':' for parametrised names. */
  readonly rule: string;
  readonly emittedBy: readonly string[];
  readonly meaning: string;
}

function reason(rule: string, emittedBy: string[], meaning: string): ReasonDefinition {
  return { rule, emittedBy, meaning };
}

export const Reasons = {
  // router
  defaultQueue: reason('default-queue', ['router'], 'No routing rule matched; the conversation went to the default queue.'),
  vipTier: reason('vip-tier', ['router'], 'The contact’s CRM tier is prioritised (the baseline router; routing documents emit `rule:<id>`, the built-in one `rule:vip-tier`).'),
  routingRule: reason('rule:', ['router'], 'A rule of the routing document matched and was applied (rule id after the colon); listed in application order.'),
  queueFiltered: reason('queue-filtered:', ['router'], 'A candidate queue was set aside (queue after the colon); the detail says why (e.g. it does not speak the customer’s language).'),
  queueOverflow: reason('closed-overflow:', ['router'], 'The chosen queue was outside its business hours; its overflow queue (after the colon), open, took the conversation.'),
  outOfHours: reason('out-of-hours', ['router'], 'The queue is outside its business hours; the customer got the away message naming the next opening.'),
  escalated: reason('escalated', ['router'], 'A rule escalated the conversation (e.g. an unhappy repeat customer): no bot, served first.'),
  botHandoff: reason('bot:', ['router'], 'A pre-qualification bot flow (after the colon) collected its answers; they travel as handoff context.'),
  botSkipped: reason('bot-skipped', ['router'], 'The customer asked for a person ("agent", "human", "humain"…): the bot flow was skipped.'),
  botGaveUp: reason('bot-gave-up', ['router'], 'An answer matched nothing too many times: the bot handed off with what it had.'),
  reopened: reason('reopened', ['router'], 'The conversation was resolved and the customer wrote again: routed again under the rules in force.'),
  // assignment
  noAgentAvailable: reason('no-agent-available', ['assignment'], 'No eligible agent was online and under capacity; the conversation is queued.'),
  queueDrain: reason('queue-drain', ['assignment'], 'An agent gained capacity and took the most urgent queued conversation.'),
  leastLoaded: reason('least-loaded-online-agent', ['assignment'], 'Chosen by the least-busy strategy: the eligible online agent with the lowest load relative to capacity.'),
  strategy: reason('strategy:', ['assignment'], 'The queue’s matching strategy that picked the agent (least-busy, longest-idle, round-robin) among online agents under capacity with the skills and language.'),
  offerDeclined: reason('offer-declined', ['assignment'], 'The agent declined the offer; the conversation goes to the next agent.'),
  offerExpired: reason('offer-expired', ['assignment'], 'The agent did not answer the offer in time; the conversation goes to the next agent.'),
  offerWithdrawn: reason('offer-withdrawn', ['assignment'], 'The offer ended without the agent answering: they went offline, or the conversation was resolved while it was open.'),
  offerAccepted: reason('offer-accepted', ['assignment'], 'The agent accepted the offer.'),
  heartbeatMissed: reason('heartbeat-missed', ['assignment'], 'The agent’s client stopped sending heartbeats; the agent is set offline.'),
  agentOfflineRequeue: reason('agent-offline-requeue', ['assignment'], 'The agent stayed offline past the grace period; their conversation was requeued.'),
  transferToAgent: reason('transfer-to-agent', ['assignment'], 'An agent or supervisor moved the conversation to another agent.'),
  transferToQueue: reason('transfer-to-queue', ['assignment'], 'An agent or supervisor moved the conversation back to a queue.'),
  slaWarning: reason('sla-warning', ['assignment'], 'A response-time target is close to its due time.'),
  slaBreached: reason('sla-breached', ['assignment'], 'A response-time target was missed: priority raised.'),
  slaOverflow: reason('overflow:', ['assignment'], 'An SLA breach moved the queued conversation to this overflow queue.'),
  csatWindowClosed: reason('csat-window-closed', ['assignment'], 'No CSAT survey: the channel’s reply window was closed at resolution.'),
  csatRefused: reason('csat-refused', ['assignment'], 'No CSAT survey: window-policy refused the survey message.'),
  // window-policy
  messenger24h: reason('messenger-24h', ['window-policy'], 'Inside Messenger’s 24-hour standard messaging window.'),
  messengerHumanAgent: reason('messenger-human-agent', ['window-policy'], 'A human agent’s reply within 7 days, sent with the HUMAN_AGENT tag.'),
  whatsappTemplate: reason('whatsapp-template', ['window-policy'], 'An approved WhatsApp template: allowed outside the window.'),
  whatsapp24h: reason('whatsapp-24h', ['window-policy'], 'Inside WhatsApp’s 24-hour customer service window.'),
  noWindow: reason('no-window', ['window-policy'], 'The channel has no reply window.'),
  messengerAdReferral: reason('messenger-ad-referral', ['window-policy'], 'The thread came from a Click-to-Messenger ad: the window lasts longer (7 days by default).'),
  messengerWindowClosed: reason('messenger-window-closed', ['window-policy'], 'Outside Messenger’s window and not a human agent’s reply within 7 days.'),
  messengerTagsRetired: reason('messenger-tags-retired', ['window-policy'], 'Proactive Messenger messages outside the window: the tags other than HUMAN_AGENT answer error 100 since 2026-04-27.'),
  whatsappTemplateRequired: reason('whatsapp-template-required', ['window-policy'], 'Outside WhatsApp’s 24-hour window only a registered template may be sent.'),
  whatsappTemplateInvalid: reason('whatsapp-template-invalid', ['window-policy'], 'The template is not in the registry, or its parameters do not match it.'),
  windowClosedByProvider: reason('window-closed-by-provider', ['window-policy'], 'The provider answered that the window is closed (WhatsApp 131047, Messenger 10/2018278).'),
  optedOut: reason('opted-out', ['window-policy'], 'The customer opted out of this channel (STOP, or the provider said so: Twilio 21610).'),
  marketingOptedOut: reason('marketing-opted-out', ['window-policy'], 'The customer stopped marketing messages on this channel (WhatsApp 131049/131050).'),
  smsConsent: reason('sms-consent', ['window-policy'], 'SMS has no window; the number has not opted out.'),
  smsQuietHours: reason('sms-quiet-hours', ['window-policy'], 'Marketing SMS during quiet hours in the recipient’s local time: deferred to the end of quiet hours.'),
  smsHelpReply: reason('sms-help-reply', ['window-policy'], 'Answer to an SMS HELP/INFO keyword with the configured help text.'),
  twitterAcceptsDms: reason('twitter-accepts-dms', ['window-policy'], 'The X recipient accepts Direct Messages from the account.'),
  twitterDmsClosed: reason('twitter-dms-closed', ['window-policy'], 'The X recipient does not accept Direct Messages from the account (settings or block).'),
  twitterPacing: reason('twitter-pacing', ['window-policy'], 'X send limits (15 / 15 min, 1,440 / 24 h) or a rate-limit answer: deferred until there is room.'),
  unsupportedContent: reason('unsupported-content', ['window-policy'], 'The channel cannot carry this content (its capabilities say so).'),
  noRecipient: reason('no-recipient', ['window-policy'], 'Omni knows no recipient id for the contact on this channel.'),
  proactiveRoute: reason('proactive-route', ['window-policy'], 'A proactive notification: the first compliant channel in the contact’s preferred order.'),
} as const satisfies Record<string, ReasonDefinition>;

export const ALL_REASONS: readonly ReasonDefinition[] = Object.values(Reasons);

/** Whether `rule` is a registered name, or starts with a registered `prefix:`. */
export function isRegisteredReason(rule: string): boolean {
  return ALL_REASONS.some((r) => (r.rule.endsWith(':') ? rule.startsWith(r.rule) && rule.length > r.rule.length : rule === r.rule));
}
