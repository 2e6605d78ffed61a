// The webhooks module's public surface: what the composition root and other modules may use.
export { WebhooksModule } from './webhooks.module.js';
export {
  WebhookHandler,
  INTERNAL_SOURCE,
  type InboxEvent,
  type OutcomeWriter,
  type AfterCommitEffect,
} from './handlers/webhook-handler.decorator.js';
export { WebhookSubmitter, type SubmittedEvent } from './inbox/webhook-submitter.js';
