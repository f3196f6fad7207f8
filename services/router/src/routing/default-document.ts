import { stringify } from 'yaml';

/**
 * The document a router starts with when no ROUTER_DOCUMENT_FILE is given and none was activated:
 * everything to ROUTER_DEFAULT_QUEUE, the ROUTER_VIP_TIERS tiers at priority 10 (the behaviour of
 * the router before routing documents existed).
 */
export function builtInDocumentSource(defaultQueue: string, vipTiers: readonly string[]): string {
  return stringify({
    version: 1,
    name: 'built-in',
    evaluation: 'first-match',
    default_queue: defaultQueue,
    queues: { [defaultQueue]: {} },
    rules: [{ id: 'vip-tier', description: 'the contact’s CRM tier is prioritised', when: { contact: { tier: [...vipTiers] } }, then: { priority: 10 } }],
  });
}
