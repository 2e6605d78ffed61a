import { Injectable, Logger } from '@nestjs/common';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { MetricsService } from '../../common/observability/metrics.service.js';
import { WebhookInbox } from './inbox/webhook-inbox.service.js';

/** Why a delivery was refused; `missing-headers`, `signature` and `timestamp` all answer the same 401. */
export type RejectReason = 'ip' | 'unknown-source' | 'size' | 'missing-headers' | 'signature' | 'timestamp' | 'payload';

/** A path segment that names no configured source is attacker-chosen: never a label value. */
export const UNKNOWN_SOURCE_LABEL = '(unknown)';

const counter = <L extends string>(registers: Registry[], name: string, help: string, labelNames: L[]) =>
  new Counter<L>({ name, help, labelNames, registers });

/** Read from the inbox on scrape (the table is the truth, whichever instance did the work). */
function registerBacklogGauges(registers: Registry[], inbox: WebhookInbox, logger: Logger): void {
  new Gauge({
    name: 'webhook_queue_depth',
    help: 'Webhook events not finished yet (pending + retrying + processing), from the inbox table',
    registers,
    async collect() {
      try {
        const b = await inbox.backlog();
        this.set(b.pending + b.retrying + b.processing);
      } catch (error) {
        logger.warn(`webhook backlog unavailable for /metrics: ${(error as Error).message}`);
      }
    },
  });
  new Gauge({
    name: 'webhook_oldest_pending_age_seconds',
    help: 'Age of the oldest webhook event still pending (0 when none), from the inbox table',
    registers,
    async collect() {
      try {
        const b = await inbox.backlog();
        this.set(b.oldestPendingAt ? Math.max(0, (Date.now() - b.oldestPendingAt.getTime()) / 1000) : 0);
      } catch {
        // logged by webhook_queue_depth
      }
    },
  });
}

@Injectable()
export class WebhookMetrics {
  private readonly logger = new Logger('Webhooks');
  readonly received: Counter<'source'>;
  readonly rejected: Counter<'source' | 'reason'>;
  readonly duplicates: Counter<'source'>;
  readonly processed: Counter<'source' | 'type' | 'outcome'>;
  readonly failed: Counter<'source' | 'type'>;
  readonly dead: Counter<'source' | 'type'>;
  readonly handlerDuration: Histogram<'source' | 'outcome'>;

  constructor(metrics: MetricsService, inbox: WebhookInbox) {
    const registers = [metrics.registry];
    this.received = counter(
      registers,
      'webhook_received_total',
      'Webhook deliveries authenticated and stored (duplicates included), by source',
      ['source'],
    );
    this.rejected = counter(
      registers,
      'webhook_rejected_total',
      'Webhook deliveries refused, by source and reason (ip, unknown-source, size, missing-headers, signature, timestamp, payload)',
      ['source', 'reason'],
    );
    this.duplicates = counter(
      registers,
      'webhook_duplicates_total',
      'Webhook deliveries of an event already stored (answered 200, not processed again), by source',
      ['source'],
    );
    this.processed = counter(
      registers,
      'webhook_processed_total',
      'Webhook events completed, by source, type and outcome (processed, ignored: no handler for the type)',
      ['source', 'type', 'outcome'],
    );
    this.failed = counter(
      registers,
      'webhook_attempt_failures_total',
      'Webhook handler attempts that failed (each is retried until the last), by source and type',
      ['source', 'type'],
    );
    this.dead = counter(
      registers,
      'webhook_dead_total',
      'Webhook events that exhausted their attempts (status dead, replayable), by source and type',
      ['source', 'type'],
    );
    this.handlerDuration = new Histogram({
      name: 'webhook_handler_duration_seconds',
      help: 'Time from claim to commit or failure of one attempt, by source and outcome',
      labelNames: ['source', 'outcome'],
      buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
      registers,
    });
    registerBacklogGauges(registers, inbox, this.logger);
  }

  reject(source: string, reason: RejectReason): void {
    this.rejected.inc({ source, reason });
  }
}
