import { IsNotEmpty, IsString, IsUrl } from 'class-validator';
import { createTwitterAdapter } from '@omni/channel-twitter';
import { GATEWAY_DATABASE, GatewayModule } from '@omni/gateway-kit';
import { BaseServiceConfig, type ServiceDefinition } from '@omni/service-kit';

export class TwitterGatewayConfig extends BaseServiceConfig {
  @IsString() @IsNotEmpty() TWITTER_CONSUMER_KEY!: string;
  /** Signs webhooks and answers the CRC challenge. */
  @IsString() @IsNotEmpty() TWITTER_CONSUMER_SECRET!: string;
  @IsString() @IsNotEmpty() TWITTER_ACCESS_TOKEN!: string;
  @IsString() @IsNotEmpty() TWITTER_ACCESS_TOKEN_SECRET!: string;
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }) TWITTER_API_BASE_URL = 'https://api.x.com';
}

export const gatewayTwitter: ServiceDefinition<TwitterGatewayConfig> = {
  name: 'gateway-twitter',
  description: 'X (Twitter) Direct Message webhooks in (Account Activity and X Activity APIs), DMs out.',
  configClass: TwitterGatewayConfig,
  module: (c) =>
    GatewayModule.forChannel(
      createTwitterAdapter({
        consumerKey: c.TWITTER_CONSUMER_KEY,
        consumerSecret: c.TWITTER_CONSUMER_SECRET,
        accessToken: c.TWITTER_ACCESS_TOKEN,
        accessTokenSecret: c.TWITTER_ACCESS_TOKEN_SECRET,
        // OAuth 1.0a signs the full URL, so the adapter must know the base it is sent to.
        apiBaseUrl: c.TWITTER_API_BASE_URL,
      }),
      { apiBaseUrl: c.TWITTER_API_BASE_URL },
    ),
  database: () => GATEWAY_DATABASE,
};
