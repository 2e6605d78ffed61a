import { Logger } from '@nestjs/common';
import type { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { logRedisErrors } from '../../../database/redis-errors.js';
import { CLOSE_WAIT_MS, type WebhookConsumer, type WebhookQueue } from './webhook-queue.js';

export const BULLMQ_QUEUE_NAME = 'webhook-events';

interface JobData {
  eventId: string;
}

/**
 * The shared queue when REDIS_URL is set: every instance enqueues to and consumes from one BullMQ queue
 * under `${REDIS_KEY_PREFIX}bull`. BullMQ's own retries are off (the worker schedules retries as
 * delayed jobs and records them in the inbox), and jobs are removed once run.
 */
export class BullMqWebhookQueue implements WebhookQueue {
  readonly kind = 'bullmq' as const;
  private readonly logger = new Logger('Webhooks');
  private readonly producerConnection: Redis;
  private workerConnection: Redis | null = null;
  private worker: Worker<JobData> | null = null;
  private concurrency = 0;

  private constructor(
    private readonly url: string,
    private readonly prefix: string,
    private readonly queue: Queue<JobData>,
    producerConnection: Redis,
  ) {
    this.producerConnection = producerConnection;
  }

  /** bullmq and ioredis are loaded only when Redis is configured, so embedded mode never pulls them in. */
  static async create(url: string, keyPrefix: string): Promise<BullMqWebhookQueue> {
    const [{ Queue }, { Redis }] = await Promise.all([import('bullmq'), import('ioredis')]);
    // Fail fast while Redis is away: enqueueing is best effort (the sweeper re-dispatches from the inbox).
    const connection = new Redis(url, {
      connectionName: 'webhooks-producer',
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
    });
    logRedisErrors(connection, 'webhooks-producer');
    const prefix = `${keyPrefix}bull`;
    const queue = new Queue<JobData>(BULLMQ_QUEUE_NAME, {
      connection,
      prefix,
      defaultJobOptions: { attempts: 1, removeOnComplete: true, removeOnFail: true },
    });
    // The queue repeats its connection's errors, logged above.
    queue.on('error', () => undefined);
    return new BullMqWebhookQueue(url, prefix, queue, connection);
  }

  async start(consumer: WebhookConsumer, concurrency: number): Promise<void> {
    this.concurrency = concurrency;
    if (concurrency === 0) return;
    const [{ Worker }, { Redis }] = await Promise.all([import('bullmq'), import('ioredis')]);
    // BullMQ workers block on Redis and must retry forever (maxRetriesPerRequest: null).
    this.workerConnection = new Redis(this.url, { connectionName: 'webhooks-worker', maxRetriesPerRequest: null });
    logRedisErrors(this.workerConnection, 'webhooks-worker');
    this.worker = new Worker<JobData>(BULLMQ_QUEUE_NAME, (job) => consumer(job.data.eventId), {
      connection: this.workerConnection,
      prefix: this.prefix,
      concurrency,
    });
    logRedisErrors(this.worker, 'webhooks-worker-loop');
    this.worker.on('failed', (job, error) =>
      this.logger.error(`webhook event ${job?.data.eventId ?? '?'}: ${error.message}`),
    );
  }

  async enqueue(eventId: string, delayMs = 0, key = eventId): Promise<void> {
    await this.queue.add('event', { eventId }, { jobId: key, ...(delayMs > 0 ? { delay: delayMs } : {}) });
  }

  async ready(): Promise<boolean> {
    return (await this.producerConnection.ping()) === 'PONG';
  }

  async details(): Promise<Record<string, unknown>> {
    return {
      kind: this.kind,
      name: BULLMQ_QUEUE_NAME,
      prefix: this.prefix,
      concurrency: this.concurrency,
      redis: this.producerConnection.status,
      jobs: await this.queue.getJobCounts('waiting', 'active', 'delayed', 'failed'),
    };
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) {
      let timer: NodeJS.Timeout | undefined;
      // Past the bound, force: the jobs' events keep their leases and are taken over after expiry.
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), CLOSE_WAIT_MS);
        timer.unref();
      });
      const closed = await Promise.race([worker.close().then(() => 'closed' as const), timeout]);
      clearTimeout(timer);
      if (closed === 'timeout') await worker.close(true).catch(() => undefined);
    }
    await this.queue.close().catch(() => undefined);
    for (const connection of [this.workerConnection, this.producerConnection]) {
      await connection?.quit().catch(() => connection.disconnect());
    }
  }
}
