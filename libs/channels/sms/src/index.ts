export { createSmsAdapter, SMS_INBOUND_PATH, SMS_STATUS_PATH, type SmsAdapterOptions } from './adapter';
export { smsParser, parseSmsWebhook, TWILIO_MAX_MEDIA } from './parse';
export { smsCapabilities } from './capabilities';
export { twilioSignature, isValidTwilioRequest, verifyTwilioWebhook, publicUrlOf, urlVariants, signatureAlgorithmOf, TWILIO_SIGNATURE_HEADER, TWILIO_SIGNATURE_SETTINGS_HEADER } from './verify';
export { countSegments, smsEncoding, type SegmentCount, type SmsEncoding } from './segments';
export { keywordSignal, consentSignal, type ConsentSignal } from './keywords';
export { mapTwilioError } from './errors';
export { offeredOptions, matchOfferedOption, type OfferedOption } from './degrade';
export { EMPTY_TWIML } from './twiml';
