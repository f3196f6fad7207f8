import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@omni/service-kit';
import { SubscriptionsController } from './api/subscriptions.controller';
import { CrmWebhooksConfig } from './config';
import { Dispatcher } from './dispatcher';
import { CLOCK, systemClock, type Clock } from './domain/clock';
import { EventsHandler } from './events.handler';
import { CrmWebhooksInitial1732300000500 } from './migrations/1732300000500-crm-webhooks-initial';
import { RANDOM, SETTINGS, settingsFrom } from './settings';

export { CrmWebhooksConfig };

/**
 * The service on a given clock and jitter source. Production runs `crmWebhooks` (system clock,
 * Math.random); tests move time past the 24 h retry window and make the jitter deterministic.
 */
export function crmWebhooksWith(options: { clock?: Clock; random?: () => number } = {}): ServiceDefinition<CrmWebhooksConfig> {
  return {
    name: 'crm-webhooks',
    description:
      'Event webhooks for CRMs: subscriptions, Standard Webhooks signatures, CloudEvents JSON, per-conversation ordered delivery with backoff over 24 h, dead letters, auto-disable, replay.',
    configClass: CrmWebhooksConfig,
    module: (config) => {
      @Module({
        controllers: [SubscriptionsController, EventsHandler],
        providers: [
          { provide: SETTINGS, useValue: settingsFrom(config) },
          { provide: CLOCK, useValue: options.clock ?? systemClock },
          { provide: RANDOM, useValue: options.random ?? Math.random },
          Dispatcher,
        ],
      })
      class CrmWebhooksModule {}
      return { module: CrmWebhooksModule };
    },
    database: () => ({ entities: [], migrations: [CrmWebhooksInitial1732300000500] }),
  };
}

export const crmWebhooks = crmWebhooksWith();
