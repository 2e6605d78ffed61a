// The webhooks module's public surface: what other modules may import.
export { WebhooksModule } from './webhooks.module.js';
export { WebhookSubmitter } from './webhook-submitter.js';
export { INTERNAL_SOURCE, WebhookHandler } from './webhook-handler.decorator.js';
export type { InboxEvent, OutcomeWriter } from './webhook-handler.decorator.js';
