import { Module } from '@nestjs/common';
import { CLOCK, systemClock, type Clock, type ServiceDefinition } from '@omni/service-kit';
import { AgentsController } from './api/agents.controller';
import { ConversationsController } from './api/conversations.controller';
import { QueuesController } from './api/queues.controller';
import { AssignmentConfig } from './config';
import { CustomerHandlers } from './handlers/customer.handlers';
import { RoutedConversationHandler } from './routed.handler';
import { SETTINGS, settingsFrom } from './settings';
import { StreamController } from './stream/stream.controller';
import { StreamHub } from './stream/stream.hub';
import { Sweeper } from './sweeper';
import { ASSIGNMENT_MIGRATIONS } from './migrations';

export { AssignmentConfig };

/**
 * The service, with the clock its offers, heartbeats and SLAs read. Production runs `assignment`
 * (system clock); tests build one on a ManualClock to land exactly on a deadline.
 */
export function assignmentWith(options: { clock: Clock }): ServiceDefinition<AssignmentConfig> {
  return {
    name: 'assignment',
    description: 'Agents, presence, skills and capacity; priority queues, offers, SLAs; the agent API (REST + SSE) to reply, transfer and resolve; CSAT.',
    configClass: AssignmentConfig,
    module: (config) => {
      @Module({
        controllers: [AgentsController, QueuesController, ConversationsController, StreamController, RoutedConversationHandler, CustomerHandlers],
        providers: [{ provide: SETTINGS, useValue: settingsFrom(config) }, { provide: CLOCK, useValue: options.clock }, Sweeper, StreamHub],
      })
      class AssignmentModule {}
      return { module: AssignmentModule };
    },
    database: () => ({ entities: [], migrations: ASSIGNMENT_MIGRATIONS }),
  };
}

export const assignment = assignmentWith({ clock: systemClock });
