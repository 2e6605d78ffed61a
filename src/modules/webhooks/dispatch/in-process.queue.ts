import { Logger } from '@nestjs/common';
import { CLOSE_WAIT_MS, type WebhookConsumer, type WebhookQueue } from './webhook-queue.js';

/** The embedded-mode queue (no REDIS_URL): a FIFO and timers in this process. */
export class InProcessWebhookQueue implements WebhookQueue {
  readonly kind = 'in-process' as const;
  private readonly logger = new Logger('Webhooks');
  private readonly waiting: string[] = [];
  private readonly queued = new Set<string>();
  private readonly delayed = new Map<string, NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();
  private consumer: WebhookConsumer | null = null;
  private concurrency = 0;
  private closed = false;

  async start(consumer: WebhookConsumer, concurrency: number): Promise<void> {
    this.consumer = consumer;
    this.concurrency = concurrency;
    this.pump();
  }

  async enqueue(eventId: string, delayMs = 0, key = eventId): Promise<void> {
    if (this.closed) return;
    if (delayMs > 0) {
      clearTimeout(this.delayed.get(key));
      const timer = setTimeout(() => {
        this.delayed.delete(key);
        this.push(eventId);
      }, delayMs);
      timer.unref();
      this.delayed.set(key, timer);
      return;
    }
    this.push(eventId);
  }

  private push(eventId: string): void {
    if (this.closed || this.queued.has(eventId)) return;
    this.queued.add(eventId);
    this.waiting.push(eventId);
    this.pump();
  }

  private pump(): void {
    const consumer = this.consumer;
    while (consumer && !this.closed && this.running.size < this.concurrency && this.waiting.length > 0) {
      const eventId = this.waiting.shift()!;
      this.queued.delete(eventId);
      const run: Promise<void> = consumer(eventId)
        .catch((error: unknown) => this.logger.error(`webhook event ${eventId}: ${(error as Error).message}`))
        .finally(() => {
          this.running.delete(run);
          this.pump();
        });
      this.running.add(run);
    }
  }

  async ready(): Promise<boolean> {
    return !this.closed;
  }

  async details(): Promise<Record<string, unknown>> {
    return {
      kind: this.kind,
      concurrency: this.concurrency,
      waiting: this.waiting.length,
      delayed: this.delayed.size,
      active: this.running.size,
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.delayed.values()) clearTimeout(timer);
    this.delayed.clear();
    this.waiting.length = 0;
    this.queued.clear();
    if (this.running.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, CLOSE_WAIT_MS);
      timer.unref();
    });
    await Promise.race([Promise.allSettled([...this.running]), timeout]);
    clearTimeout(timer);
  }
}
