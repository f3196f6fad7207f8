/**
 * The one registry of decision reason names (`DecisionReason.rule`). Every event that carries
 * reasons (routed, queued, offered, assigned, approved, rejected…) uses these names, unchanged, so a
 * CRM matches on one vocabulary. Parametrised reasons use a `prefix:` followed by a value from
 * configuration (a rule id, a queue name), e.g. `rule:vip-escalation`.
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
  vipTier: reason('vip-tier', ['router'], 'The contact’s CRM tier is prioritised.'),
  // assignment
  noAgentAvailable: reason('no-agent-available', ['assignment'], 'No eligible agent was online and under capacity; the conversation is queued.'),
  queueDrain: reason('queue-drain', ['assignment'], 'An agent gained capacity and took the most urgent queued conversation.'),
  leastLoaded: reason('least-loaded-online-agent', ['assignment'], 'Chosen as the online agent with the fewest conversations.'),
  // window-policy
  messenger24h: reason('messenger-24h', ['window-policy'], 'Inside Messenger’s 24-hour standard messaging window.'),
  messengerHumanAgent: reason('messenger-human-agent', ['window-policy'], 'A human agent’s reply within 7 days, sent with the HUMAN_AGENT tag.'),
  whatsappTemplate: reason('whatsapp-template', ['window-policy'], 'An approved WhatsApp template: allowed outside the window.'),
  whatsapp24h: reason('whatsapp-24h', ['window-policy'], 'Inside WhatsApp’s 24-hour customer service window.'),
  noWindow: reason('no-window', ['window-policy'], 'The channel has no reply window.'),
} as const satisfies Record<string, ReasonDefinition>;

export const ALL_REASONS: readonly ReasonDefinition[] = Object.values(Reasons);

/** Whether `rule` is a registered name, or starts with a registered `prefix:`. */
export function isRegisteredReason(rule: string): boolean {
  return ALL_REASONS.some((r) => (r.rule.endsWith(':') ? rule.startsWith(r.rule) && rule.length > r.rule.length : rule === r.rule));
}
