export { FakeMetaGraph, DEFAULT_MESSENGER_TOKEN, DEFAULT_WHATSAPP_TOKEN, type FakeMetaGraphOptions, type RecordedRequest, type GraphApi } from './server';
export { GraphErrors, graphErrorBody, type GraphError, type ScriptedFailure } from './graph-errors';
export { validateSendApiBody } from './validate-messenger';
export { validateCloudApiBody, type CloudApiCall } from './validate-whatsapp';
export { metaJson, metaSignature, legacyMetaSignature, postSignedWebhook, verifyWebhookSubscription, type HttpResult, type PostWebhookOptions } from './webhooks';
export * from './builders';
