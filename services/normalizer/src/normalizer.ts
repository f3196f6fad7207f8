import { Module, type DynamicModule } from '@nestjs/common';
import type { ServiceDefinition } from '@omni/service-kit';
import { ContactsController } from './api/contacts.controller';
import { HistoryController } from './api/history.controller';
import { NormalizerConfig } from './config';
import { Clock, SystemClock } from './domain/clock';
import { NORMALIZER_ENTITIES } from './domain/entities';
import { NORMALIZER_MIGRATIONS } from './migrations';
import { OutboundHandler } from './outbound.handler';
import { RawInboundHandler } from './raw-inbound.handler';
import { ResolvedHandler } from './resolved.handler';

@Module({})
class NormalizerModule {}

/** Entities and migrations of schema `normalizer`. */
export function normalizerDatabase() {
  return {
    entities: NORMALIZER_ENTITIES,
    migrations: NORMALIZER_MIGRATIONS,
  };
}

export interface NormalizerOptions {
  /** Time source (tests pass a controllable one to probe the reopen window at its boundary). */
  clock?: Clock;
}

/** The normalizer service; `createNormalizer({ clock })` is the same service on another clock. */
export function createNormalizer(options: NormalizerOptions = {}): ServiceDefinition<NormalizerConfig> {
  return {
    name: 'normalizer',
    description:
      'Raw provider webhooks to canonical messages; contacts, identities (phone numbers unified in E.164, CRM links, merges), conversations and message history.',
    configClass: NormalizerConfig,
    module: (): DynamicModule => ({
      module: NormalizerModule,
      controllers: [ContactsController, HistoryController, RawInboundHandler, ResolvedHandler, OutboundHandler],
      providers: [options.clock ? { provide: Clock, useValue: options.clock } : { provide: Clock, useClass: SystemClock }],
    }),
    database: normalizerDatabase,
  };
}

export const normalizer: ServiceDefinition<NormalizerConfig> = createNormalizer();
