import { Module, type DynamicModule } from '@nestjs/common';
import type { ChannelAdapter } from '@omni/channel-sdk';
import { WebhookController } from './webhook.controller';
import { CHANNEL_ADAPTER, GATEWAY_OPTIONS, type GatewayOptions } from './tokens';

/**
 * Everything a channel gateway hosts, given the channel's adapter: its webhooks now, its
 * outbound dispatcher as channels gain sending. A gateway service is this module plus config.
 */
@Module({})
export class GatewayModule {
  static forChannel(adapter: ChannelAdapter, options: GatewayOptions): DynamicModule {
    return {
      module: GatewayModule,
      controllers: [WebhookController],
      providers: [
        { provide: CHANNEL_ADAPTER, useValue: adapter },
        { provide: GATEWAY_OPTIONS, useValue: options },
      ],
      exports: [CHANNEL_ADAPTER, GATEWAY_OPTIONS],
    };
  }
}
