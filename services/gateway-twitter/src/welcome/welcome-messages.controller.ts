import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Roles } from '@omni/service-kit';
import { WelcomeMessageRegistrar } from './welcome-registrar';

export class WelcomeMessageView {
  @ApiProperty({ example: 'summer-sale', description: 'The entry point key from TWITTER_WELCOME_MESSAGES.' }) key!: string;
  @ApiProperty({ nullable: true, type: String, example: '1077201358826000389', description: "X's welcome message id; null until first registered." })
  welcomeMessageId!: string | null;
  @ApiProperty({
    nullable: true,
    type: String,
    example: 'https://x.com/messages/compose?recipient_id=1111111111111111111&welcome_message_id=1077201358826000389',
    description: 'Deep link opening a DM with the business on this welcome message; null without an id or a known business user id.',
  })
  deepLink!: string | null;
  @ApiProperty({
    enum: ['pending', 'registered', 'failed'],
    description: 'This start-up: still registering, in step with the configuration, or failed (an earlier id and link may still be shown).',
  })
  status!: string;
  @ApiProperty({ nullable: true, type: String, description: 'Why registration failed (no message text, no secrets).' }) error!: string | null;
}

export class WelcomeMessageListView {
  @ApiProperty({ type: [WelcomeMessageView] }) items!: WelcomeMessageView[];
}

@ApiTags('welcome-messages')
@Roles('supervisor')
@Controller('welcome-messages')
export class WelcomeMessagesController {
  constructor(private readonly registrar: WelcomeMessageRegistrar) {}

  @Get()
  @ApiOperation({
    summary: 'Configured X welcome messages (entry points)',
    description: 'One item per TWITTER_WELCOME_MESSAGES key, in configuration order: its X welcome message id, the deep link to publish and the registration status.',
  })
  @ApiOkResponse({ type: WelcomeMessageListView })
  list(): WelcomeMessageListView {
    return { items: this.registrar.list() };
  }
}
