export { createTelegramAdapter, telegramParser, TELEGRAM_SECRET_HEADER, type TelegramAdapterOptions } from './adapter';
export { telegramCapabilities, TELEGRAM_LIMITS } from './capabilities';
export { formatTelegramOutbound } from './format';
export { interpretTelegramResponse, telegramHttpRequest } from './http';
export { botIdOf, telegramMessageId } from './ids';
export { parseTelegramUpdate } from './parse';
export { TELEGRAM_WEBHOOK_PATH, telegramRegistration } from './register';
export { MODELLED_UPDATES } from './update';
export type * from './wire';
