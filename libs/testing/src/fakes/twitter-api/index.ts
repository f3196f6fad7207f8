export { FakeTwitterApi, type FakeTwitterApiOptions, type FakeWelcomeMessage, type RecordedTwitterRequest, type TwitterFailure } from './server';
export { accountActivityDm, accountActivityRead, xActivityDm, twitterWebhookSignature, expectedCrcResponse, snowflakeId, type DmInit } from './webhooks';
export { parseOAuthHeader, expectedOAuthSignature, isValidOAuthSignature } from './oauth';
