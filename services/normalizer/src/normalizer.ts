import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@omni/service-kit';
import { NormalizerConfig } from './config';
import { Clock, SystemClock } from './domain/clock';
import { ContactEntity, ConversationEntity, IdentityEntity, MessageEntity } from './domain/entities';
import { NormalizerInitial1732300000100 } from './migrations/1732300000100-normalizer-initial';
import { RawInboundHandler } from './raw-inbound.handler';

@Module({ providers: [RawInboundHandler, { provide: Clock, useClass: SystemClock }] })
class NormalizerModule {}

export const normalizer: ServiceDefinition<NormalizerConfig> = {
  name: 'normalizer',
  description: 'Raw provider webhooks to canonical messages; contacts, identities, conversations and history.',
  configClass: NormalizerConfig,
  module: () => ({ module: NormalizerModule }),
  database: () => ({
    entities: [ContactEntity, IdentityEntity, ConversationEntity, MessageEntity],
    migrations: [NormalizerInitial1732300000100],
  }),
};
