import { describeChannelConformance } from '@omni/channel-sdk/testing';
import { ACCOUNT_SID, CONFORMANCE_PUBLIC_BASE_URL, smsConformanceFixtures, TEST_AUTH_TOKEN } from '../fixtures';
import { createSmsAdapter, smsParser } from './index';

describeChannelConformance('sms', {
  adapter: createSmsAdapter({ accountSid: ACCOUNT_SID, authToken: TEST_AUTH_TOKEN, publicBaseUrl: CONFORMANCE_PUBLIC_BASE_URL }),
  parser: smsParser,
  fixtures: smsConformanceFixtures,
});

describeChannelConformance('sms via a Messaging Service', {
  adapter: createSmsAdapter({
    accountSid: ACCOUNT_SID,
    authToken: TEST_AUTH_TOKEN,
    publicBaseUrl: `${CONFORMANCE_PUBLIC_BASE_URL}/`,
    messagingServiceSid: 'MG9f8e7d6c5b4a39281706f5e4d3c2b1a0',
  }),
  parser: smsParser,
  fixtures: smsConformanceFixtures,
});
