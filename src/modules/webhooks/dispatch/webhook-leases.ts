import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { WebhookInbox } from '../inbox/webhook-inbox.service.js';

export class LeaseLostError extends Error {
  constructor(id: string) {
    super(`lease on webhook event ${id} was lost before completion`);
    this.name = 'LeaseLostError';
  }
}

/** Finishing an attempt, only by the lease holder. */
const MARK_DONE = `UPDATE webhook_events
  SET status = ?, processed_at = ?, lease_until = NULL, lease_owner = NULL, updated_at = ?
  WHERE id = ? AND lease_owner = ? AND status = 'processing'`;

/** Extending the lease, only by its holder: a lost lease stays lost. */
const RENEW = `UPDATE webhook_events SET lease_until = ?
  WHERE id = ? AND lease_owner = ? AND status = 'processing'`;

export interface RenewalEvents {
  renewed(): void;
  lost(): void;
  failed(error: Error): void;
}

/** How a leased transaction ends: the event finished, or still held (its after-commit effects come next). */
export type LeaseEnd = { finish: 'processed' | 'ignored' } | { holdMs: number };

/**
 * What a worker does with an event it holds the lease of: transactions that commit only while the lease
 * is still its own, and lease renewal while the handler and its effects run.
 */
@Injectable()
export class WebhookLeases {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly inbox: WebhookInbox,
  ) {}

  /** Marks the event finished without a handler (no transaction needed: one statement). */
  async finish(id: string, owner: string, status: 'processed' | 'ignored'): Promise<void> {
    const { affected } = await this.inbox.serial(() =>
      this.inbox.exec(MARK_DONE, [status, ...this.doneParams(id, owner)]),
    );
    if (affected !== 1) throw new LeaseLostError(id);
  }

  /**
   * Runs `work` in one transaction that ends by marking the event finished, or by renewing the lease when
   * after-commit effects follow; either statement checks that `owner` still holds the lease, else
   * LeaseLostError and nothing commits. On PostgreSQL the row is locked first, so no other worker can claim
   * it while the transaction runs (the claim skips locked rows). On SQLite the event's own row is written
   * last: readers share the one connection and would otherwise see it uncommitted.
   */
  async transaction(id: string, owner: string, work: (manager: EntityManager) => Promise<LeaseEnd>): Promise<LeaseEnd> {
    return this.inbox.serial(() =>
      this.dataSource.transaction(async (manager) => {
        const runner = manager.queryRunner;
        if (this.inbox.postgres) {
          const { rows } = await this.inbox.exec(
            `SELECT id FROM webhook_events WHERE id = ? AND lease_owner = ? AND status = 'processing' FOR UPDATE`,
            [id, owner],
            runner,
          );
          if (rows.length !== 1) throw new LeaseLostError(id);
        }
        const end = await work(manager);
        const { affected } =
          'finish' in end
            ? await this.inbox.exec(MARK_DONE, [end.finish, ...this.doneParams(id, owner)], runner)
            : await this.inbox.exec(RENEW, this.renewParams(id, owner, end.holdMs), runner);
        if (affected !== 1) throw new LeaseLostError(id);
        return end;
      }),
    );
  }

  /** Extends the lease to `leaseMs` from now; false when `owner` no longer holds it. */
  async renew(id: string, owner: string, leaseMs: number): Promise<boolean> {
    const { affected } = await this.inbox.serial(() => this.inbox.exec(RENEW, this.renewParams(id, owner, leaseMs)));
    return affected === 1;
  }

  /**
   * Renews the lease every third of it until `stop()`, so a lease can be short (a stopped worker's events
   * are retaken about one lease later) without another worker taking live work. A failed renewal is tried
   * again a third of a lease later; a lost lease ends the renewals (the final transaction then fails).
   */
  keep(id: string, owner: string, leaseMs: number, on: RenewalEvents): { stop(): void } {
    let stopped = false;
    let timer: NodeJS.Timeout | null = null;
    const schedule = () => {
      timer = setTimeout(
        () => {
          this.renew(id, owner, leaseMs).then(
            (held) => {
              if (stopped) return;
              if (!held) return on.lost();
              on.renewed();
              schedule();
            },
            (error: Error) => {
              if (stopped) return;
              on.failed(error);
              schedule();
            },
          );
        },
        Math.max(1, Math.floor(leaseMs / 3)),
      );
      timer.unref();
    };
    schedule();
    return {
      stop: () => {
        stopped = true;
        if (timer) clearTimeout(timer);
      },
    };
  }

  private renewParams(id: string, owner: string, leaseMs: number): unknown[] {
    return [this.inbox.time(new Date(Date.now() + leaseMs)), id, owner];
  }

  private doneParams(id: string, owner: string): unknown[] {
    const at = this.inbox.time(new Date());
    return [at, at, id, owner];
  }
}
