import { describeChannelConformance } from '@omni/channel-sdk/testing';
import { messengerConformanceFixtures, TEST_APP_SECRET, TEST_PAGE_TOKEN, TEST_VERIFY_TOKEN } from '../fixtures';
import { createMessengerAdapter, messengerParser } from './index';

describeChannelConformance('messenger', {
  adapter: createMessengerAdapter({ appSecret: TEST_APP_SECRET, verifyToken: TEST_VERIFY_TOKEN, pageAccessToken: TEST_PAGE_TOKEN }),
  parser: messengerParser,
  fixtures: messengerConformanceFixtures,
});
