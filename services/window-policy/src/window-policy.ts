import { Module } from '@nestjs/common';
import { BaseServiceConfig, type ServiceDefinition } from '@omni/service-kit';
import { ConsentEntity, ConversationWindowEntity } from './domain/entities';
import { WindowPolicyInitial1732300000300 } from './migrations/1732300000300-window-policy-initial';
import { WindowHandlers } from './window.handlers';

export class WindowPolicyConfig extends BaseServiceConfig {}

@Module({ controllers: [WindowHandlers] })
class WindowPolicyModule {}

export const windowPolicy: ServiceDefinition<WindowPolicyConfig> = {
  name: 'window-policy',
  description: 'The outbound gate: reply windows, tags and templates, consent; refusals say what would work.',
  configClass: WindowPolicyConfig,
  module: () => ({ module: WindowPolicyModule }),
  database: () => ({ entities: [ConversationWindowEntity, ConsentEntity], migrations: [WindowPolicyInitial1732300000300] }),
};
