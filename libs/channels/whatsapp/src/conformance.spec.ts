import { describeChannelConformance } from '@omni/channel-sdk/testing';
import { TEST_ACCESS_TOKEN, TEST_APP_SECRET, TEST_VERIFY_TOKEN, whatsappConformanceFixtures } from '../fixtures';
import { createWhatsAppAdapter, whatsappParser } from './index';

describeChannelConformance('whatsapp', {
  adapter: createWhatsAppAdapter({ appSecret: TEST_APP_SECRET, verifyToken: TEST_VERIFY_TOKEN, accessToken: TEST_ACCESS_TOKEN }),
  parser: whatsappParser,
  fixtures: whatsappConformanceFixtures,
});
