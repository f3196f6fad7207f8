export { FakeTwilioApi, type FakeTwilioApiOptions, type FakeTwilioMessage, type RecordedTwilioRequest, type TwilioFailure } from './server';
export { twilioRequestSignature, inboundSmsForm, statusCallbackForm, type InboundSmsInit, type StatusCallbackInit } from './webhooks';
