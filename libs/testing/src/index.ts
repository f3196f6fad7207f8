export * from './env';
export * from './kafka-tap';
export * as metaGraph from './fakes/meta-graph';
export * as twitterApi from './fakes/twitter-api';
export * as twilioApi from './fakes/twilio-api';
export * from './auth';
export * as telegramBotApi from './fakes/telegram-bot-api';
export * from './sse';
export * from './plans';
