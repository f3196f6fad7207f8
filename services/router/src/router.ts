import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@omni/service-kit';
import { RoutingController } from './api/routing.controller';
import { CLOCK, systemClock, type Clock } from './clock';
import { RouterConfig } from './config';
import { RoutedConversationEntity } from './domain/entities';
import { RoutingDocuments } from './documents';
import { RoutingEngine } from './engine';
import { LifecycleHandlers } from './lifecycle.handlers';
import { RouterInitial1732300000200 } from './migrations/1732300000200-router-initial';
import { RouterDocuments1732300000210 } from './migrations/1732300000210-router-documents';
import { NormalizedMessageHandler } from './normalized.handler';

export { RouterConfig };

/** The service on a given clock (tests pin it to sit exactly on a business-hours boundary). */
export function routerWith(options: { clock: Clock }): ServiceDefinition<RouterConfig> {
  return {
    name: 'router',
    description: 'Decides where each conversation goes (routing documents, bots, welcome and away messages), publishes the decision with its reasons, and replays drafts.',
    configClass: RouterConfig,
    module: () => {
      @Module({
        controllers: [NormalizedMessageHandler, LifecycleHandlers, RoutingController],
        providers: [{ provide: CLOCK, useValue: options.clock }, RoutingDocuments, RoutingEngine],
      })
      class RouterModule {}
      return { module: RouterModule };
    },
    database: () => ({ entities: [RoutedConversationEntity], migrations: [RouterInitial1732300000200, RouterDocuments1732300000210] }),
  };
}

export const router = routerWith({ clock: systemClock });
