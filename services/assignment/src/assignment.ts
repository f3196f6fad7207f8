import { Module } from '@nestjs/common';
import { BaseServiceConfig, type ServiceDefinition } from '@omni/service-kit';
import { AgentsController } from './api/agents.controller';
import { ConversationsController } from './api/conversations.controller';
import { AgentEntity, ConversationAssignmentEntity } from './domain/entities';
import { AssignmentInitial1732300000400 } from './migrations/1732300000400-assignment-initial';
import { AssignmentResolution1732300000410 } from './migrations/1732300000410-assignment-resolution';
import { RoutedConversationHandler } from './routed.handler';

export class AssignmentConfig extends BaseServiceConfig {}

@Module({ controllers: [AgentsController, ConversationsController, RoutedConversationHandler] })
class AssignmentModule {}

export const assignment: ServiceDefinition<AssignmentConfig> = {
  name: 'assignment',
  description: 'Agents, presence and capacity; assigns routed conversations or queues them.',
  configClass: AssignmentConfig,
  module: () => ({ module: AssignmentModule }),
  database: () => ({ entities: [AgentEntity, ConversationAssignmentEntity], migrations: [AssignmentInitial1732300000400, AssignmentResolution1732300000410] }),
};
