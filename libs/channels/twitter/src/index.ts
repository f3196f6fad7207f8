export { createTwitterAdapter, TWITTER_WEBHOOK_PATH, type TwitterAdapterOptions } from './adapter';
export { twitterParser, parseTwitterWebhook } from './parse';
export { twitterCapabilities } from './capabilities';
export { crcResponseToken, answerCrc } from './crc';
export { webhookSignature, verifyWebhookSignature, SIGNATURE_HEADER } from './verify';
export { oauth1AuthorizationHeader, signatureBaseString, hmacSha1Signature, percentEncode, type OAuth1Credentials } from './auth';
export { mapTwitterError } from './errors';
export { dmSendBudget, waitForRoom, parseRateLimitHeaders, msUntilReset, type SendBudget, type RateLimitHeaders } from './rate-limit';
export {
  registerWelcomeMessages,
  updateWelcomeMessage,
  defaultWelcomeRule,
  welcomeDeepLink,
  type WelcomeMessageConfig,
} from './welcome';
export { offeredOptions, matchOfferedOption, type OfferedOption } from './degrade';
export { snowflakeTimeMs } from './snowflake';
