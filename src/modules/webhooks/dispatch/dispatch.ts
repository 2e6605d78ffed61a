import type { Logger } from '@nestjs/common';
import type { WebhookQueue } from './webhook-queue.js';

/**
 * Dispatches an event whose row is committed. It never throws: the inbox row is the truth and the queue
 * only dispatches, so a failed enqueue delays the event until the sweeper re-dispatches it (it finds
 * every committed event no worker holds). `what` names it in the warning, e.g. `webhook event <id>`.
 */
export async function dispatchOrLeaveToSweeper(
  queue: WebhookQueue,
  logger: Pick<Logger, 'warn'>,
  what: string,
  eventId: string,
  options: { delayMs?: number; key?: string } = {},
): Promise<void> {
  try {
    await queue.enqueue(eventId, options.delayMs ?? 0, options.key ?? eventId);
  } catch (error) {
    logger.warn(`${what} not queued (${(error as Error).message}); the sweeper will`);
  }
}
