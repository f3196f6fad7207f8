import { describeChannelConformance } from '@omni/channel-sdk/testing';
import {
  TEST_ACCESS_TOKEN,
  TEST_ACCESS_TOKEN_SECRET,
  TEST_CONSUMER_KEY,
  TEST_CONSUMER_SECRET,
  twitterConformanceFixtures,
} from '../fixtures';
import { createTwitterAdapter, twitterParser } from './index';

const options = {
  consumerKey: TEST_CONSUMER_KEY,
  consumerSecret: TEST_CONSUMER_SECRET,
  accessToken: TEST_ACCESS_TOKEN,
  accessTokenSecret: TEST_ACCESS_TOKEN_SECRET,
};

/**
 * The kit's handshake check assumes a verify-token challenge (a wrong token must get 401/403); the
 * X CRC answers any token and has nothing to refuse, so the kit sees the adapter without its
 * handshake (crc.spec.ts and adapter.spec.ts test the CRC). Everything else is the real adapter.
 */
function withoutHandshake(adapter: ReturnType<typeof createTwitterAdapter>) {
  const { handshake: _crcTestedElsewhere, ...rest } = adapter;
  return rest;
}

describeChannelConformance('twitter (v2 only)', {
  adapter: withoutHandshake(createTwitterAdapter(options)),
  parser: twitterParser,
  fixtures: twitterConformanceFixtures,
});

describeChannelConformance('twitter (legacy v1.1 on)', {
  adapter: withoutHandshake(createTwitterAdapter({ ...options, useLegacyV1: true })),
  parser: twitterParser,
  fixtures: twitterConformanceFixtures,
});
