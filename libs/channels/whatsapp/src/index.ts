export {
  createWhatsAppAdapter,
  DEFAULT_GRAPH_API_VERSION,
  DEFAULT_LIST_BUTTON_LABEL,
  WHATSAPP_WEBHOOK_PATH,
  type WhatsAppAdapterConfig,
} from './adapter';
export { whatsappParser, parseWhatsAppWebhook } from './parse';
export { whatsappCapabilities, WHATSAPP_LIMITS } from './capabilities';
export { verifyWhatsAppSignature, SIGNATURE_HEADER } from './verify';
export { answerWhatsAppHandshake } from './handshake';
export { inspectWhatsAppWebhook } from './inspect';
export { formatWhatsAppOutbound, type WhatsAppFormatOptions } from './format';
export { templateObject } from './template';
export { mapWhatsAppError, type WhatsAppErrorFacts } from './errors';
export { interpretWhatsAppResponse, whatsappToHttp } from './http';
export type * from './wire';
