import type { Logger } from '@nestjs/common';
import type { AppConfig } from '../../../config/app.config.js';
import type { DueEvent, WebhookInbox } from '../inbox/webhook-inbox.service.js';
import type { WebhookMetrics } from '../webhook-metrics.js';
import type { WebhookQueue } from './webhook-queue.js';

const SWEEP_BATCH = 500;

export interface SweepReport {
  at: Date;
  redispatched: number;
  buried: number;
  error?: string;
}

/**
 * The dispatch key of a re-dispatch. A waiting message with the same key absorbs it, so a backlog is not
 * queued twice; a lease taken over gets a key of its own, because the dead worker's message may still
 * sit in BullMQ as active (until BullMQ's stalled check) and would absorb it.
 */
export function sweepKey(event: DueEvent): string {
  if (event.status === 'processing') return `${event.id}-l${event.attempts}`;
  if (event.status === 'retrying') return `${event.id}-a${event.attempts + 1}`;
  return event.id;
}

/**
 * Re-dispatches committed events no worker holds (never dispatched, the dispatch was lost, or their
 * worker died) and buries those whose last attempt died with its worker: why a crash between commit and
 * enqueue loses nothing. One sweep at a time; the worker starts and stops it with the queue.
 */
export class WebhookSweeper {
  private timer: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  private stopped = false;
  last: SweepReport | null = null;

  constructor(
    private readonly inbox: WebhookInbox,
    private readonly queue: WebhookQueue,
    private readonly metrics: WebhookMetrics,
    private readonly settings: AppConfig['webhooks'],
    private readonly logger: Pick<Logger, 'log' | 'warn' | 'error'>,
  ) {}

  /** Sweeps now (a restart finishes what the previous run left), then every `sweepIntervalMs`. */
  start(): void {
    void this.sweep();
    this.timer = setInterval(() => void this.sweep(), this.settings.sweepIntervalMs);
    this.timer.unref();
  }

  /** No sweep starts after this; resolves when the running one is over. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.sweeping;
  }

  sweep(): Promise<void> {
    if (this.sweeping || this.stopped) return this.sweeping ?? Promise.resolve();
    return this.sweepAt(new Date());
  }

  /**
   * One sweep as of `at`, after the one running (if any): a test triggers the sweeper instead of sleeping
   * through timer ticks, and may sweep as if later (leases and retries due).
   */
  async sweepAt(at: Date): Promise<void> {
    while (this.sweeping) await this.sweeping;
    if (this.stopped) return;
    this.sweeping = this.sweepOnce(at).finally(() => {
      this.sweeping = null;
    });
    await this.sweeping;
  }

  private async sweepOnce(at: Date): Promise<void> {
    try {
      const buried = await this.inbox.buryExhausted(this.settings.maxAttempts, at);
      for (const { id, source, type } of buried) {
        this.metrics.dead.inc({ source, type });
        this.logger.error(`webhook event ${id} (${source} ${type}) is dead: its last attempt's lease expired`);
      }
      const grace = Math.max(1000, this.settings.sweepIntervalMs);
      const due = await this.inbox.due(grace, SWEEP_BATCH, at);
      for (const event of due) await this.queue.enqueue(event.id, 0, sweepKey(event));
      if (due.length > 0) this.logger.log(`sweeper re-dispatched ${due.length} webhook event(s)`);
      this.last = { at, redispatched: due.length, buried: buried.length };
    } catch (error) {
      this.last = { at, redispatched: 0, buried: 0, error: (error as Error).message };
      this.logger.warn(`webhook sweep failed: ${(error as Error).message}`);
    }
  }
}
