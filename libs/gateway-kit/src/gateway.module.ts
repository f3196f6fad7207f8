import { Module, type DynamicModule } from '@nestjs/common';
import type { ChannelAdapter } from '@omni/channel-sdk';
import { WebhookController } from './webhook.controller';
import { OutboundDispatcher } from './outbound.dispatcher';
import { SendPacer } from './send-pacer';
import { GatewayRegistrations } from './registrations';
import { CreateSendLedger1732300000500, IndexSendLogByAccount1732300000600, SendEntity, SendLogEntity } from './send-ledger';
import { CHANNEL_ADAPTER, GATEWAY_OPTIONS, type GatewayOptions } from './tokens';

/**
 * Everything a channel gateway hosts, given the channel's adapter: its webhooks, its outbound
 * dispatcher (with the send ledger in the gateway's schema) and its start-up registrations at the
 * provider (the adapter's `register`, plus any a gateway adds to `GatewayRegistrations`). A
 * gateway service is this module plus config.
 */
@Module({})
export class GatewayModule {
  static forChannel(adapter: ChannelAdapter, options: GatewayOptions): DynamicModule {
    return {
      module: GatewayModule,
      controllers: [WebhookController, OutboundDispatcher],
      providers: [
        { provide: CHANNEL_ADAPTER, useValue: adapter },
        { provide: GATEWAY_OPTIONS, useValue: options },
        SendPacer,
        GatewayRegistrations,
      ],
      exports: [CHANNEL_ADAPTER, GATEWAY_OPTIONS, GatewayRegistrations],
    };
  }
}

/** The gateway's own tables (the send ledger), for its ServiceDefinition.database. */
export const GATEWAY_DATABASE = { entities: [SendEntity, SendLogEntity], migrations: [CreateSendLedger1732300000500, IndexSendLogByAccount1732300000600] };
