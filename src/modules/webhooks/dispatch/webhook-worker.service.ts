import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { AppConfig } from '../../../config/app.config.js';
import { newEventId } from '../inbox/event-id.js';
import { WEBHOOK_QUEUE, type WebhookQueue } from './webhook-queue.js';
import type { EntityManager } from 'typeorm';
import {
  INTERNAL_SOURCE,
  type AfterCommitEffect,
  type InboxEvent,
  type OutcomeWriter,
} from '../handlers/webhook-handler.decorator.js';
import { WebhookHandlerRegistry } from '../handlers/webhook-handler.registry.js';
import { toInboxEvent } from '../inbox/inbox-event.js';
import { WebhookInbox, type ClaimedEvent } from '../inbox/webhook-inbox.service.js';
import { LeaseLostError, WebhookLeases } from './webhook-leases.js';
import { WebhookMetrics } from '../webhook-metrics.js';
import { dispatchOrLeaveToSweeper } from './dispatch.js';
import { WebhookSweeper } from './webhook-sweeper.js';

const MAX_BACKOFF_MS = 60 * 60 * 1000;

/**
 * The delay before attempt `attempt + 1`: `retryBaseMs`·2^(attempt-1), capped at an hour, with "equal
 * jitter" (half fixed, half random) so failing events spread out instead of retrying in lockstep.
 */
export function backoffMs(attempt: number, retryBaseMs: number, random: () => number = Math.random): number {
  const ceiling = Math.min(retryBaseMs * 2 ** Math.max(0, attempt - 1), MAX_BACKOFF_MS);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Processes events: claim (lease, renewed while the worker holds it) → handler for (source, type) → one
 * transaction with the business update and the event marked processed, or, when the handler declared
 * after-commit effects, the effects outside any transaction and a second short transaction with their
 * outcomes and the mark → on failure a retry with backoff, then `dead`. Its sweeper (WebhookSweeper)
 * re-dispatches what no worker holds, so a crash anywhere between commit and completion loses nothing.
 */
@Injectable()
export class WebhookWorker implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('Webhooks');
  private readonly instance = `${process.pid}@${hostname()}`.slice(0, 30);
  private readonly settings: AppConfig['webhooks'];
  private readonly sweeper: WebhookSweeper;
  private inFlight = 0;
  /** Claims this instance won, and missed (another worker had the event, or it was finished): contention. */
  private readonly claims = { won: 0, missed: 0 };
  private stopped = false;
  /** Lease renewals made while handlers ran (long handlers and effects renew; /debug). */
  private leaseRenewals = 0;

  constructor(
    config: ConfigService<AppConfig, true>,
    private readonly inbox: WebhookInbox,
    private readonly leases: WebhookLeases,
    private readonly registry: WebhookHandlerRegistry,
    private readonly metrics: WebhookMetrics,
    @Inject(WEBHOOK_QUEUE) private readonly queue: WebhookQueue,
  ) {
    this.settings = config.get('webhooks', { infer: true });
    this.sweeper = new WebhookSweeper(inbox, queue, metrics, this.settings, this.logger);
  }

  async onApplicationBootstrap(): Promise<void> {
    const concurrency = this.settings.workerConcurrency;
    await this.queue.start((eventId) => this.process(eventId), concurrency);
    if (concurrency > 0) this.sweeper.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    await this.sweeper.stop();
    await this.queue.close();
  }

  /** One attempt at one event; a no-op when another worker holds it or it is finished. */
  async process(eventId: string): Promise<void> {
    if (this.stopped) return;
    const owner = `${this.instance}:${newEventId()}`;
    const { leaseMs, maxAttempts } = this.settings;
    const claimed = await this.inbox.claim(eventId, owner, leaseMs, maxAttempts);
    if (!claimed) {
      this.claims.missed++;
      return;
    }
    this.claims.won++;
    this.inFlight++;
    const started = performance.now();
    const handler = this.registry.get(claimed.source, claimed.type);
    const renewal = this.leases.keep(claimed.id, owner, leaseMs, {
      renewed: () => this.leaseRenewals++,
      lost: () => this.logger.warn(`webhook event ${claimed.id}: lease lost while its handler ran`),
      failed: (e) => this.logger.warn(`webhook event ${claimed.id}: lease not renewed (${e.message}); trying again`),
    });
    try {
      if (handler) {
        const followUps: string[] = [];
        const effects: AfterCommitEffect[] = [];
        await this.leases.transaction(claimed.id, owner, async (manager) => {
          const event = this.inboxEvent(claimed, manager, followUps, effects);
          try {
            await handler(event.view, manager);
          } finally {
            event.close();
          }
          return effects.length === 0 ? { finish: 'processed' } : { holdMs: leaseMs };
        });
        // Committed: run the follow-ups now (the sweeper would, later, if this enqueue failed).
        await this.dispatch(followUps);
        if (effects.length > 0) await this.runEffects(claimed.id, owner, effects);
      } else {
        await this.leases.finish(claimed.id, owner, 'ignored');
        this.logger.debug(`webhook event ${claimed.id} (${claimed.source} ${claimed.type}) ignored: no handler`);
      }
      const outcome = handler ? 'processed' : 'ignored';
      this.metrics.processed.inc({ source: claimed.source, type: claimed.type, outcome });
      this.metrics.handlerDuration.observe({ source: claimed.source, outcome }, (performance.now() - started) / 1000);
    } catch (error) {
      this.metrics.handlerDuration.observe(
        { source: claimed.source, outcome: 'failed' },
        (performance.now() - started) / 1000,
      );
      if (error instanceof LeaseLostError) {
        this.logger.warn(`webhook event ${claimed.id}: lease expired before the handler finished; nothing committed`);
        return;
      }
      await this.failed(claimed, owner, error);
    } finally {
      renewal.stop();
      this.inFlight--;
    }
  }

  /**
   * The handler's effects, after its transaction committed and outside any transaction (no connection or
   * SQLite write lock is held while they wait on a remote service); then their outcomes and the event's
   * `processed` in one short transaction. A failing effect fails the attempt (retry, then `dead`).
   */
  private async runEffects(id: string, owner: string, effects: AfterCommitEffect[]): Promise<void> {
    const writers: OutcomeWriter[] = [];
    for (const effect of effects) {
      const writer = await effect();
      if (writer) writers.push(writer);
    }
    await this.leases.transaction(id, owner, async (manager) => {
      for (const write of writers) await write(manager);
      return { finish: 'processed' };
    });
  }

  private async dispatch(ids: string[]): Promise<void> {
    for (const id of ids) await dispatchOrLeaveToSweeper(this.queue, this.logger, `follow-up ${id}`, id);
  }

  /**
   * The handler's view of a claimed event: follow-ups go into `manager`'s transaction (their ids to
   * `created`), effects to `effects`; both only while the handler runs (`close()` after it).
   */
  private inboxEvent(
    claimed: ClaimedEvent,
    manager: EntityManager,
    created: string[],
    effects: AfterCommitEffect[],
  ): { view: InboxEvent; close(): void } {
    let open = true;
    const view = toInboxEvent(
      claimed,
      async (type, payload) => {
        if (!open) throw new Error('followUp() after the handler returned');
        // Like a delivery of a type nobody handles, a follow-up without a handler is stored as ignored.
        const handled = this.registry.get(INTERNAL_SOURCE, type) !== undefined;
        const id = await this.inbox.insertInTransaction(manager, {
          status: handled ? 'pending' : 'ignored',
          source: INTERNAL_SOURCE,
          // One per (event, type): a retry or a replay of this event finds the first.
          externalEventId: `${claimed.id}:${type}`,
          type,
          body: Buffer.from(JSON.stringify(payload)),
          headers: { 'x-follow-up-of': claimed.id },
        });
        if (id && handled) created.push(id);
      },
      (effect) => {
        if (!open) throw new Error('afterCommit() after the handler returned');
        effects.push(effect);
      },
    );
    return { view, close: () => (open = false) };
  }

  private async failed(event: ClaimedEvent, owner: string, error: unknown): Promise<void> {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    const labels = { source: event.source, type: event.type };
    this.metrics.failed.inc(labels);
    const dead = event.attempts >= this.settings.maxAttempts;
    const delay = dead ? 0 : backoffMs(event.attempts, this.settings.retryBaseMs);
    try {
      const recorded = await this.inbox.fail(event.id, owner, {
        status: dead ? 'dead' : 'retrying',
        availableAt: new Date(Date.now() + delay),
        error: message,
      });
      if (!recorded) return;
    } catch (recordError) {
      // The lease expires and the sweeper takes the event again.
      this.logger.error(`webhook event ${event.id}: could not record the failure: ${(recordError as Error).message}`);
      return;
    }
    if (dead) {
      this.metrics.dead.inc(labels);
      this.logger.error(
        `webhook event ${event.id} (${event.source} ${event.type}) is dead after ${event.attempts} attempts: ${message}`,
      );
      return;
    }
    this.logger.warn(
      `webhook event ${event.id} (${event.source} ${event.type}) attempt ${event.attempts} failed, retry in ${delay} ms: ${message}`,
    );
    await dispatchOrLeaveToSweeper(this.queue, this.logger, `webhook event ${event.id}: retry`, event.id, {
      delayMs: delay,
      key: `${event.id}-a${event.attempts + 1}`,
    });
  }

  /** Re-dispatches events no worker holds and buries those whose last attempt died with its worker. */
  sweep(): Promise<void> {
    return this.stopped ? Promise.resolve() : this.sweeper.sweep();
  }

  /** One sweep as of `at` (see WebhookSweeper.sweepAt): the explicit trigger tests use. */
  sweepAt(at: Date): Promise<void> {
    return this.stopped ? Promise.resolve() : this.sweeper.sweepAt(at);
  }

  async details(): Promise<Record<string, unknown>> {
    return {
      instance: this.instance,
      inFlight: this.inFlight,
      claims: { ...this.claims },
      leaseRenewals: this.leaseRenewals,
      sqliteLockDepth: this.inbox.lockDepth,
      intakeWaiting: this.inbox.intakeWaiting,
      lastSweep: this.sweeper.last,
      settings: {
        maxAttempts: this.settings.maxAttempts,
        retryBaseMs: this.settings.retryBaseMs,
        leaseMs: this.settings.leaseMs,
        sweepIntervalMs: this.settings.sweepIntervalMs,
        workerConcurrency: this.settings.workerConcurrency,
      },
      handlers: this.registry.describe(),
      queue: await this.queue.details(),
    };
  }
}
