/**
 * The routing document the router's integration specs run against: a welcome that starts a bot
 * flow (deep link "billing"), a two-question triage bot, a rule on the last CSAT answer and one on
 * the contact's tier.
 */
export const BILLING_TRIAGE_DOCUMENT = `
version: 1
evaluation: scored
default_queue: general
queues:
  general: {}
  recovery: { skills: [retention] }
welcomes:
  - id: billing
    entry_point: { ref: [billing] }
    text: Welcome to billing
    quick_replies: [{ title: Invoice, payload: invoice }]
    bot: triage
bots:
  triage:
    max_attempts: 2
    questions:
      - key: topic
        text: Topic?
        options: [{ title: Invoice, payload: invoice }, { title: Delivery, payload: delivery }]
      - key: order
        text: Order number?
        pattern: "(\\\\d{4,})"
rules:
  - id: unhappy-last-time
    when: { last_csat: { lte: 2 } }
    then: { queue: recovery, priority: 50 }
    score: 5
  - id: gold
    when: { contact: { tier: [gold] } }
    then: { priority_boost: 5 }
`;
