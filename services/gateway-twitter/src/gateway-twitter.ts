import { IsNotEmpty, IsOptional, IsString, IsUrl, Matches } from 'class-validator';
import { Module, type DynamicModule } from '@nestjs/common';
import { createTwitterAdapter } from '@omni/channel-twitter';
import { GATEWAY_DATABASE, GatewayModule, GatewayServiceConfig } from '@omni/gateway-kit';
import type { ServiceDefinition } from '@omni/service-kit';
import { IsWelcomeMessages, parseWelcomeMessages } from './welcome/welcome-config';
import { CreateTwitterWelcomeMessages1732300000600, WelcomeMessageEntity } from './welcome/welcome-message.entity';
import { WelcomeMessagesController } from './welcome/welcome-messages.controller';
import { WELCOME_SETTINGS, WelcomeMessageRegistrar, type WelcomeSettings } from './welcome/welcome-registrar';

export class TwitterGatewayConfig extends GatewayServiceConfig {
  @IsString() @IsNotEmpty() TWITTER_CONSUMER_KEY!: string;
  /** Signs webhooks and answers the CRC challenge. */
  @IsString() @IsNotEmpty() TWITTER_CONSUMER_SECRET!: string;
  @IsString() @IsNotEmpty() TWITTER_ACCESS_TOKEN!: string;
  @IsString() @IsNotEmpty() TWITTER_ACCESS_TOKEN_SECRET!: string;
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] }) TWITTER_API_BASE_URL = 'https://api.x.com';

  /**
   * The business account's X user id, the `recipient_id` of welcome message deep links. Optional:
   * an OAuth 1.0a user access token starts with it (`<id>-…`), which is used otherwise.
   */
  @IsOptional()
  @Matches(/^\d{1,20}$/, { message: 'must be a numeric X user id' })
  TWITTER_BUSINESS_USER_ID?: string;

  /**
   * Welcome messages per entry point, registered at start-up:
   * `[{"key":"summer-sale","text":"…","quickReplies":[{"title":"…","payload":"…"}]}]`.
   */
  @IsOptional()
  @IsWelcomeMessages()
  TWITTER_WELCOME_MESSAGES?: string;

}

/** `TWITTER_BUSINESS_USER_ID`, else the user id an OAuth 1.0a access token starts with. */
export function businessUserIdOf(config: Pick<TwitterGatewayConfig, 'TWITTER_BUSINESS_USER_ID' | 'TWITTER_ACCESS_TOKEN'>): string | undefined {
  return config.TWITTER_BUSINESS_USER_ID ?? /^(\d{1,20})-/.exec(config.TWITTER_ACCESS_TOKEN)?.[1];
}

/** The gateway-kit module (webhooks, outbound dispatcher, send pacing) plus X welcome messages. */
@Module({})
export class TwitterGatewayModule {
  static forConfig(c: TwitterGatewayConfig): DynamicModule {
    const adapter = createTwitterAdapter({
      consumerKey: c.TWITTER_CONSUMER_KEY,
      consumerSecret: c.TWITTER_CONSUMER_SECRET,
      accessToken: c.TWITTER_ACCESS_TOKEN,
      accessTokenSecret: c.TWITTER_ACCESS_TOKEN_SECRET,
      businessUserId: businessUserIdOf(c),
      // OAuth 1.0a signs the full URL, so the adapter must know the base it is sent to.
      apiBaseUrl: c.TWITTER_API_BASE_URL,
    });
    const welcome: WelcomeSettings = { messages: parseWelcomeMessages(c.TWITTER_WELCOME_MESSAGES), businessUserId: businessUserIdOf(c) };
    return {
      module: TwitterGatewayModule,
      imports: [GatewayModule.forChannel(adapter, { apiBaseUrl: c.TWITTER_API_BASE_URL, retryBaseMs: c.GATEWAY_RETRY_BASE_MS })],
      controllers: [WelcomeMessagesController],
      providers: [{ provide: WELCOME_SETTINGS, useValue: welcome }, WelcomeMessageRegistrar],
      exports: [WelcomeMessageRegistrar],
    };
  }
}

export const gatewayTwitter: ServiceDefinition<TwitterGatewayConfig> = {
  name: 'gateway-twitter',
  description: 'X (Twitter) Direct Message webhooks in (Account Activity and X Activity APIs), DMs out, welcome messages per entry point.',
  configClass: TwitterGatewayConfig,
  module: (c) => TwitterGatewayModule.forConfig(c),
  database: () => ({
    entities: [...GATEWAY_DATABASE.entities, WelcomeMessageEntity],
    migrations: [...GATEWAY_DATABASE.migrations, CreateTwitterWelcomeMessages1732300000600],
  }),
};
