export { FakeTelegramBotApi, waitForRequests, type FakeTelegramBotApiOptions, type FakeTelegramMessage, type FakeWebhookInfo, type RecordedTelegramRequest, type TelegramFailure } from './server';
