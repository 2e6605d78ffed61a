import { parseJson } from '../receiving/verifiers/verifier.js';
import type { InboxEvent } from '../handlers/webhook-handler.decorator.js';
import type { ClaimedEvent } from './webhook-inbox.service.js';

/** What a handler sees of a claimed event; `followUp` and `afterCommit` come from the worker running it. */
export function toInboxEvent(
  event: ClaimedEvent,
  followUp: InboxEvent['followUp'],
  afterCommit: InboxEvent['afterCommit'],
): InboxEvent {
  return {
    eventId: event.id,
    source: event.source,
    externalEventId: event.externalEventId,
    type: event.type,
    payload: parseJson(event.body)?.value,
    body: event.body,
    headers: event.headers,
    receivedAt: event.receivedAt,
    attempt: event.attempts,
    followUp,
    afterCommit,
  };
}
