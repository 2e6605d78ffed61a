import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { Counter, Gauge } from 'prom-client';
import { IsNull, LessThan, LessThanOrEqual, Not, Or, Repository } from 'typeorm';
import { MetricsService } from '../../../common/observability/metrics.service.js';
import { StatusRegistry } from '../../../common/observability/status-registry.js';
import type { AppConfig } from '../../../config/app.config.js';
import { WebhookSubmitter } from '../../webhooks/index.js';
import { PaymentClient } from '../clients/payment.client.js';
import { Payment } from './entities/payment.entity.js';

/** Payments looked up per run; the rest wait for the next run (their claim is not taken). */
const BATCH = 50;
/** The webhook source whose handler settles payments (PaymentEventsHandler). */
const PAYMENT_SOURCE = 'payment-service';

export interface ReconcileRun {
  at: Date;
  /** Stale payments this instance claimed and looked up. */
  looked: number;
  /** Of those, found settled at the payment service and submitted for settlement. */
  settled: number;
  /** Lookups that failed (the payment is looked up again after its claim runs out). */
  failed: number;
}

/**
 * A payment's webhook can be lost for good (the provider gives up delivering while our database is
 * down). A payment pending longer than PAYMENT_RECONCILE_AFTER_MS is looked up at the payment service
 * (`GET /v1/payments/{id}`); a settled one is submitted to the webhook inbox as the event the lost webhook
 * would have been, so the same handler settles it (an older state never overwrites a newer one) and
 * emails the user. One instance looks a payment up per interval: the claim is a conditional UPDATE of
 * `reconcile_after`, in the database, so it holds across instances; the lookup runs after it, outside any
 * transaction. The event's id (`reconcile:{provider id}`) keeps the settlement to one across instances.
 */
@Injectable()
export class PaymentReconciler implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Payments');
  private readonly settings: AppConfig['paymentReconcile'];
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<ReconcileRun> | null = null;
  private stopped = false;
  private lastRun: (ReconcileRun & { error?: string }) | null = null;
  private readonly outcomes: Counter<'outcome'>;

  constructor(
    @InjectRepository(Payment) private readonly payments: Repository<Payment>,
    private readonly client: PaymentClient,
    private readonly submitter: WebhookSubmitter,
    private readonly status: StatusRegistry,
    metrics: MetricsService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.settings = config.get('paymentReconcile', { infer: true });
    const registers = [metrics.registry];
    this.outcomes = new Counter({
      name: 'payment_reconcile_total',
      help: 'Stale pending payments looked up at the payment service, by outcome (settled, pending, error)',
      labelNames: ['outcome'],
      registers,
    });
    const stale = () => this.staleCount();
    const logger = this.logger;
    new Gauge({
      name: 'payments_stale_pending',
      help: 'Payments pending longer than PAYMENT_RECONCILE_AFTER_MS (their webhook is late or lost)',
      registers,
      async collect() {
        try {
          this.set(await stale());
        } catch (error) {
          logger.warn(`stale payments unavailable for /metrics: ${(error as Error).message}`);
        }
      },
    });
  }

  onModuleInit(): void {
    this.status.register('payments', { status: () => this.summary() });
  }

  onApplicationBootstrap(): void {
    if (this.settings.intervalMs === 0) return;
    this.timer = setInterval(() => void this.reconcile().catch(() => undefined), this.settings.intervalMs);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One run (also the explicit trigger for tests and operators); a run in progress is joined. */
  reconcile(now = new Date()): Promise<ReconcileRun> {
    if (this.running) return this.running;
    const run = this.runOnce(now).finally(() => {
      this.running = null;
    });
    this.running = run;
    return run;
  }

  /** Confirmed payments pending longer than the configured age. */
  staleCount(now = new Date()): Promise<number> {
    return this.payments.count({ where: this.staleWhere(now) });
  }

  private staleWhere(now: Date) {
    return {
      status: 'pending' as const,
      providerPaymentId: Not(IsNull()),
      createdAt: LessThan(new Date(now.getTime() - this.settings.afterMs)),
    };
  }

  private async runOnce(now: Date): Promise<ReconcileRun> {
    const run: ReconcileRun = { at: now, looked: 0, settled: 0, failed: 0 };
    try {
      const due = Or(IsNull(), LessThanOrEqual(now));
      const candidates = await this.payments.find({
        select: { id: true, providerPaymentId: true },
        where: { ...this.staleWhere(now), reconcileAfter: due },
        order: { createdAt: 'ASC' },
        take: BATCH,
      });
      for (const candidate of candidates) {
        if (this.stopped) break;
        if (!(await this.claim(candidate.id, now))) continue;
        run.looked++;
        const outcome = await this.lookUp(candidate.providerPaymentId!, candidate.id);
        this.outcomes.inc({ outcome });
        if (outcome === 'settled') run.settled++;
        if (outcome === 'error') run.failed++;
      }
      this.lastRun = run;
      if (run.looked > 0)
        this.logger.log(`reconciler looked up ${run.looked} stale payment(s), ${run.settled} settled`);
      return run;
    } catch (error) {
      this.lastRun = { ...run, error: (error as Error).message.slice(0, 200) };
      this.logger.warn(`payment reconciliation failed: ${(error as Error).message}`);
      throw error;
    }
  }

  /**
   * Takes the payment for one interval, in one conditional statement: only while it is still pending
   * and nobody (on any instance) holds it. False when another instance won or it settled meanwhile.
   */
  private async claim(id: string, now: Date): Promise<boolean> {
    const next = new Date(now.getTime() + Math.max(this.settings.intervalMs, 1000));
    const result = await this.payments.update(
      { id, status: 'pending', reconcileAfter: Or(IsNull(), LessThanOrEqual(now)) },
      { reconcileAfter: next },
    );
    return result.affected === 1;
  }

  /** The payment service's answer, outside any transaction; a settled payment goes to the inbox. */
  private async lookUp(providerPaymentId: string, paymentId: string): Promise<'settled' | 'pending' | 'error'> {
    try {
      const found = await this.client.getPayment(providerPaymentId, `reconcile-${paymentId}`);
      if (found.status === 'pending') return 'pending';
      await this.submitter.submit({
        source: PAYMENT_SOURCE,
        externalEventId: `reconcile:${found.id}`,
        type: `payment.${found.status}`,
        // Shaped as the webhook it stands for; `created` is when the state was seen.
        payload: {
          id: `reconcile:${found.id}`,
          type: `payment.${found.status}`,
          created: Math.floor(Date.now() / 1000),
          data: found,
        },
        headers: { 'x-reconciled': 'true' },
      });
      return 'settled';
    } catch (error) {
      this.logger.warn(`payment ${paymentId} not reconciled: ${(error as Error).message}`);
      return 'error';
    }
  }

  private async summary(): Promise<Record<string, unknown>> {
    let stalePending: number | null = null;
    try {
      stalePending = await this.staleCount();
    } catch {
      // shown as null: the database is what /status reports on elsewhere
    }
    return {
      stalePending,
      reconcileAfterSeconds: this.settings.afterMs / 1000,
      lastReconcile: this.lastRun,
    };
  }
}
