export type { CloudEventsConfig } from './cloudevents/config.js';
export { cloudeventsConfigSchema } from './cloudevents/config.js';
export type { CloudEventRecord, CloudEventsTarget } from './cloudevents/message.js';
export { cloudEventRecord } from './cloudevents/message.js';
export type { DeliveryEnvironment, DeliveryListener, DeliveryOutcome } from './delivery.js';
export { Dispatcher, ReceiverQueue, realDeliveryEnvironment, retryDelayMs } from './delivery.js';
export type { HttpRequest } from './http.js';
export { sendHttp } from './http.js';
export type { NotifierMetrics } from './metrics.js';
export { notifierMetrics } from './metrics.js';
export type { NotifierCore, NotifierCoreOptions, NotifierTopics, RowWriter } from './notifier.js';
export { createNotifierCore } from './notifier.js';
export { deadLetterReason, deliveryDeadLetter, deliveryRecord } from './outcome.js';
export type { PagerDutyConfig } from './pagerduty/config.js';
export { PAGERDUTY_EVENTS_URL, pagerdutyConfigSchema } from './pagerduty/config.js';
export type { PagerDutyAction, PagerDutyEvent, PagerDutyTarget } from './pagerduty/request.js';
export { buildPagerDutyRequest, pagerdutyAction, pagerdutyEvent } from './pagerduty/request.js';
export type { DeliverySettings, Receiver, ReceiverType } from './receiver.js';
export { RECEIVER_TYPES } from './receiver.js';
export type { ReceiverConfig, ReceiverDependencies } from './receivers.js';
export { buildReceivers, receiverConfigSchema, receiverListSchema } from './receivers.js';
export type { DeliveryVerdict, HttpResponseSummary } from './retry.js';
export {
  classifyHttpResponse,
  classifyKafkaError,
  classifyTransportError,
  parseRetryAfter,
} from './retry.js';
export type { SecretRef } from './secrets.js';
export { resolveSecret, secretRefSchema } from './secrets.js';
export type { SlackConfig } from './slack/config.js';
export { slackConfigSchema } from './slack/config.js';
export type { SlackMessage } from './slack/request.js';
export { buildSlackRequest, slackMessage } from './slack/request.js';
export type { RestoredState } from './state-store.js';
export { deliveryMessage, engineChangeMessage, loadState } from './state-store.js';
export type { WebhookConfig } from './webhook/config.js';
export { webhookConfigSchema } from './webhook/config.js';
export type { WebhookAlert, WebhookPayload, WebhookTarget } from './webhook/request.js';
export { buildWebhookRequest, signBody, webhookPayload, ZERO_TIME } from './webhook/request.js';
