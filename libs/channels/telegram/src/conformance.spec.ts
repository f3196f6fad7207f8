import { describeChannelConformance } from '@omni/channel-sdk/testing';
import { telegramConformanceFixtures, TEST_BOT_TOKEN, TEST_WEBHOOK_SECRET } from '../fixtures';
import { createTelegramAdapter, telegramParser } from './index';

describeChannelConformance('telegram', {
  adapter: createTelegramAdapter({ botToken: TEST_BOT_TOKEN, webhookSecret: TEST_WEBHOOK_SECRET }),
  parser: telegramParser,
  fixtures: telegramConformanceFixtures,
});
