// Explicit "nothing more will happen" points for webhook tests, in place of sleeping and hoping a second
// processing would have shown up by then: trigger the sweeper, then wait until the queue has run it all.
import type { INestApplication } from '@nestjs/common';
import { WEBHOOK_QUEUE, type WebhookQueue } from '../../src/modules/webhooks/dispatch/webhook-queue.js';
import { WebhookWorker } from '../../src/modules/webhooks/dispatch/webhook-worker.service.js';
import { waitFor } from './wait.js';

interface QueueCounts {
  waiting: number;
  active: number;
}

/** Waiting and running messages of the queue's details (in-process: top level; BullMQ: `jobs`). */
export function queueCounts(details: Record<string, unknown>): QueueCounts {
  const counts = (details.jobs ?? details) as Partial<QueueCounts>;
  if (typeof counts.waiting !== 'number' || typeof counts.active !== 'number') {
    throw new Error(`queue details without waiting/active counts: ${JSON.stringify(details)}`);
  }
  return { waiting: counts.waiting, active: counts.active };
}

/** Until no message waits and none runs: whatever was dispatched so far has been handled. */
export async function queueIdle(app: INestApplication): Promise<void> {
  const queue = app.get<WebhookQueue>(WEBHOOK_QUEUE);
  await waitFor(
    async () => {
      const { waiting, active } = queueCounts(await queue.details());
      return waiting === 0 && active === 0;
    },
    { what: 'the webhook queue to be idle' },
  );
}

/**
 * Runs a sweep as of `at` (now, or later to make every lease and retry due), then waits until what it
 * re-dispatched has run.
 */
export async function sweepAndSettle(app: INestApplication, at = new Date()): Promise<void> {
  await app.get(WebhookWorker).sweepAt(at);
  await queueIdle(app);
}

interface DebugWebhooks {
  webhooks: { inFlight: number; lastSweep: { at: string; redispatched: number } | null };
}

/**
 * The same for an app in another process, through GET /debug (scope ops:admin): waits until `sweeps`
 * sweeps have started and finished after `since`, then until the last one re-dispatched nothing and no
 * attempt is in flight. (Not BullMQ's counts: a job of a SIGKILLed worker stays "active" there until
 * BullMQ's stalled check, and claims nothing once its event is finished.)
 */
export async function remoteSettled(base: string, bearer: string, since: Date, sweeps = 2): Promise<void> {
  let mark = since.getTime();
  const debug = async () => {
    const res = await fetch(`${base}/debug`, { headers: { authorization: `Bearer ${bearer}` } });
    if (res.status !== 200) throw new Error(`GET /debug: ${res.status}`);
    return ((await res.json()) as DebugWebhooks).webhooks;
  };
  for (let i = 0; i < sweeps; i++) {
    const at = await waitFor(
      async () => {
        const sweep = (await debug()).lastSweep;
        const started = sweep ? Date.parse(sweep.at) : 0;
        return started > mark ? started : undefined;
      },
      { what: `sweep ${i + 1} of ${sweeps} after ${new Date(mark).toISOString()}` },
    );
    mark = at;
  }
  await waitFor(
    async () => {
      const { inFlight, lastSweep } = await debug();
      return inFlight === 0 && lastSweep?.redispatched === 0;
    },
    { what: 'a sweep that re-dispatched nothing, and no attempt in flight' },
  );
}
