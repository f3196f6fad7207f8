import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@omni/service-kit';
import { RouterConfig } from './config';
import { defaultPolicy } from './domain/policy';
import { RoutedConversationEntity } from './domain/entities';
import { RouterInitial1732300000200 } from './migrations/1732300000200-router-initial';
import { NormalizedMessageHandler } from './normalized.handler';
import { ROUTING_POLICY } from './tokens';

export const router: ServiceDefinition<RouterConfig> = {
  name: 'router',
  description: 'Decides where each conversation goes, and publishes the decision with its reasons.',
  configClass: RouterConfig,
  module: (config) => {
    @Module({ controllers: [NormalizedMessageHandler], providers: [{ provide: ROUTING_POLICY, useValue: defaultPolicy(config.ROUTER_DEFAULT_QUEUE, config.ROUTER_VIP_TIERS.split(',')) }] })
    class RouterModule {}
    return { module: RouterModule };
  },
  database: () => ({ entities: [RoutedConversationEntity], migrations: [RouterInitial1732300000200] }),
};
