import { Module } from '@nestjs/common';
import type { ServiceDefinition } from '@omni/service-kit';
import { NotificationsController } from './api/notifications.controller';
import { WindowPolicyConfig } from './config';
import { CLOCK, systemClock, type Clock } from './domain/clock';
import { OutboundGate } from './gate';
import { CustomerStateHandlers } from './handlers/customer.handlers';
import { HelpReplies } from './handlers/help-replies';
import { OutboundRequestHandler } from './handlers/outbound.handler';
import { WindowPolicyInitial1732300000300 } from './migrations/1732300000300-window-policy-initial';
import { WindowPolicyContactChannel1732300000310 } from './migrations/1732300000310-window-policy-contact-channel';
import { SETTINGS, settingsFrom } from './settings';
import { TimerWorker } from './timers/timer-worker';

export { WindowPolicyConfig };

/**
 * The service, with the clock its decisions and timers read. Production runs `windowPolicy`
 * (system clock); tests build one on a ManualClock to sit exactly on a boundary.
 */
export function windowPolicyWith(options: { clock: Clock }): ServiceDefinition<WindowPolicyConfig> {
  return {
    name: 'window-policy',
    description: 'The outbound gate: reply windows, tags and templates, consent, quiet hours; refusals say what would work. Proactive notifications pick a compliant channel.',
    configClass: WindowPolicyConfig,
    module: (config) => {
      @Module({
        controllers: [CustomerStateHandlers, OutboundRequestHandler, NotificationsController],
        providers: [
          { provide: SETTINGS, useValue: settingsFrom(config) },
          { provide: CLOCK, useValue: options.clock },
          OutboundGate,
          HelpReplies,
          TimerWorker,
        ],
      })
      class WindowPolicyModule {}
      return { module: WindowPolicyModule };
    },
    database: () => ({ entities: [], migrations: [WindowPolicyInitial1732300000300, WindowPolicyContactChannel1732300000310] }),
  };
}

export const windowPolicy = windowPolicyWith({ clock: systemClock });
