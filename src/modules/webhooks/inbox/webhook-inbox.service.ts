import { Inject, Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { newEventId } from './event-id.js';
import { WEBHOOK_INTAKE } from '../../../database/webhook-intake.js';
import { PortableSql } from '../../../database/portable-sql.js';
import { isUniqueViolation } from '../../../common/resource/unique-violation.js';

export interface NewInboxEvent {
  /** `ignored` when no handler exists for the type: stored finished, never dispatched. */
  status?: 'pending' | 'ignored';
  source: string;
  externalEventId: string;
  type: string;
  body: Buffer;
  headers: Record<string, string>;
  signedAt?: Date;
}

/** An event a worker holds the lease of. */
export interface ClaimedEvent {
  id: string;
  source: string;
  externalEventId: string;
  type: string;
  /** This attempt, from 1. */
  attempts: number;
  body: Buffer;
  headers: Record<string, string>;
  receivedAt: Date;
}

export interface DueEvent {
  id: string;
  status: 'pending' | 'retrying' | 'processing';
  attempts: number;
}

export interface Backlog {
  pending: number;
  retrying: number;
  processing: number;
  dead: number;
  oldestPendingAt: Date | null;
}

const LAST_ERROR_MAX = 2000;

const INSERT_EVENT = `INSERT INTO webhook_events (id, source, external_event_id, type, status, attempts, body, headers,
     received_at, signed_at, available_at, processed_at, updated_at)
   VALUES (?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?)
   ON CONFLICT (source, external_event_id) DO NOTHING RETURNING id`;

/**
 * The inbox table, the source of truth of the webhook flow. Hot paths are single SQL statements that run
 * unchanged on SQLite and PostgreSQL (PortableSql). On SQLite a running transaction's uncommitted writes
 * are visible to reads on the shared connection, which is why the event row's own state is written last
 * there (see WebhookLeases.transaction()).
 */
@Injectable()
export class WebhookInbox extends PortableSql {
  private backlogCache: { at: number; value: Promise<Backlog> } | null = null;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    // The receiver's inserts go through a pool of their own on PostgreSQL (see WEBHOOK_INTAKE).
    @Optional() @Inject(WEBHOOK_INTAKE) private readonly intake: DataSource = dataSource,
  ) {
    super(dataSource);
  }

  /**
   * One statement, so one transaction: the row exists once it returns. A second delivery of the same
   * (source, external id) changes nothing and gets the first row's id.
   */
  async insert(event: NewInboxEvent, now = new Date()): Promise<{ eventId: string; duplicate: boolean }> {
    return this.serial(async () => {
      try {
        const { rows } = await this.exec(INSERT_EVENT, this.insertParams(event, now), undefined, this.intake);
        if (rows.length === 1) return { eventId: String(rows[0].id), duplicate: false };
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
      const existing = await this.exec(
        'SELECT id FROM webhook_events WHERE source = ? AND external_event_id = ?',
        [event.source, event.externalEventId],
        undefined,
        this.intake,
      );
      if (existing.rows.length !== 1) throw new Error('webhook insert conflicted but no row exists');
      return { eventId: String(existing.rows[0].id), duplicate: true };
    });
  }

  /**
   * Inserts an event inside a running handler's transaction (a follow-up event: it exists only if the
   * handler's work commits). Resolves its id, or null when one with the same (source, external id)
   * exists already. The caller holds the SQLite lock (it runs inside WebhookLeases.transaction()).
   */
  async insertInTransaction(manager: EntityManager, event: NewInboxEvent, now = new Date()): Promise<string | null> {
    const { rows } = await this.exec(INSERT_EVENT, this.insertParams(event, now), manager.queryRunner);
    return rows.length === 1 ? String(rows[0].id) : null;
  }

  private insertParams(event: NewInboxEvent, now: Date): unknown[] {
    const at = this.time(now);
    const status = event.status ?? 'pending';
    return [
      newEventId(now.getTime()),
      event.source,
      event.externalEventId,
      event.type,
      status,
      event.body,
      JSON.stringify(event.headers),
      at,
      event.signedAt ? this.time(event.signedAt) : null,
      at,
      status === 'ignored' ? at : null,
      at,
    ];
  }

  /**
   * The atomic claim: one conditional UPDATE takes a due event (pending or retrying, or processing with
   * an expired lease) and sets the lease; a row that does not match is someone else's or finished. On
   * PostgreSQL a row locked by a running handler's transaction is skipped rather than waited for.
   */
  async claim(
    id: string,
    owner: string,
    leaseMs: number,
    maxAttempts: number,
    now = new Date(),
  ): Promise<ClaimedEvent | null> {
    const at = this.time(now);
    const until = this.time(new Date(now.getTime() + leaseMs));
    const due = `attempts < ? AND (
        (status IN ('pending', 'retrying') AND available_at <= ? AND (lease_until IS NULL OR lease_until < ?))
        OR (status = 'processing' AND lease_until < ?))`;
    const where = this.postgres
      ? `id = (SELECT id FROM webhook_events WHERE id = ? AND ${due} FOR UPDATE SKIP LOCKED)`
      : `id = ? AND ${due}`;
    const { rows } = await this.serial(() =>
      this.exec(
        `UPDATE webhook_events
         SET status = 'processing', attempts = attempts + 1, lease_until = ?, lease_owner = ?, updated_at = ?
         WHERE ${where}
         RETURNING id, source, external_event_id, type, attempts, body, headers, received_at`,
        [until, owner, at, id, maxAttempts, at, at, at],
      ),
    );
    if (rows.length !== 1) return null;
    const row = rows[0];
    return {
      id: String(row.id),
      source: String(row.source),
      externalEventId: String(row.external_event_id),
      type: String(row.type),
      attempts: Number(row.attempts),
      body: Buffer.isBuffer(row.body) ? row.body : Buffer.from(row.body as Uint8Array),
      headers: parseHeaders(row.headers),
      receivedAt: this.date(row.received_at)!,
    };
  }

  /** After a failed attempt: `retrying` (due at `availableAt`) or `dead`; false when the lease was lost. */
  async fail(
    id: string,
    owner: string,
    outcome: { status: 'retrying' | 'dead'; availableAt: Date; error: string },
  ): Promise<boolean> {
    const at = this.time(new Date());
    const { affected } = await this.serial(() =>
      this.exec(
        `UPDATE webhook_events
         SET status = ?, available_at = ?, last_error = ?, lease_until = NULL, lease_owner = NULL, updated_at = ?
         WHERE id = ? AND lease_owner = ? AND status = 'processing'`,
        [outcome.status, this.time(outcome.availableAt), outcome.error.slice(0, LAST_ERROR_MAX), at, id, owner],
      ),
    );
    return affected === 1;
  }

  /**
   * Events a worker should hold but none does: committed and due for at least `graceMs` (never
   * dispatched, or the dispatch was lost), or processing with an expired lease (the worker died).
   */
  async due(graceMs: number, limit: number, now = new Date()): Promise<DueEvent[]> {
    const { rows } = await this.exec(
      `SELECT id, status, attempts FROM webhook_events
       WHERE (status IN ('pending', 'retrying') AND available_at <= ?) OR (status = 'processing' AND lease_until < ?)
       ORDER BY available_at LIMIT ?`,
      [this.time(new Date(now.getTime() - graceMs)), this.time(now), limit],
    );
    return rows.map((r) => ({
      id: String(r.id),
      status: String(r.status) as DueEvent['status'],
      attempts: Number(r.attempts),
    }));
  }

  /** An expired lease on the last allowed attempt: that attempt failed (its worker died), so the event is dead. */
  async buryExhausted(maxAttempts: number, now = new Date()): Promise<{ id: string; source: string; type: string }[]> {
    const at = this.time(now);
    const match = `status = 'processing' AND lease_until < ? AND attempts >= ?`;
    const where = this.postgres ? `id IN (SELECT id FROM webhook_events WHERE ${match} FOR UPDATE SKIP LOCKED)` : match;
    const { rows } = await this.serial(() =>
      this.exec(
        `UPDATE webhook_events
         SET status = 'dead', last_error = ?, lease_until = NULL, lease_owner = NULL, updated_at = ?
         WHERE ${where} RETURNING id, source, type`,
        [`lease expired during attempt ${maxAttempts} of ${maxAttempts} (worker stopped)`, at, at, maxAttempts],
      ),
    );
    return rows.map((r) => ({ id: String(r.id), source: String(r.source), type: String(r.type) }));
  }

  /**
   * Replay: any event not being processed goes back to `pending` with a fresh attempt budget. The last
   * error stays: a later failure replaces it, a later success keeps it as history.
   */
  async replay(id: string, now = new Date()): Promise<'replayed' | 'processing' | 'missing'> {
    const at = this.time(now);
    const current = async () => {
      const { rows } = await this.exec('SELECT status FROM webhook_events WHERE id = ?', [id]);
      return rows.length === 0 ? 'missing' : String(rows[0].status);
    };
    // Checked before taking the SQLite lock, which a running handler holds: 409 at once, not after it.
    const before = await current();
    if (before === 'missing' || before === 'processing') return before;
    const { affected } = await this.serial(() =>
      this.exec(
        `UPDATE webhook_events
         SET status = 'pending', attempts = 0, available_at = ?, lease_until = NULL, lease_owner = NULL,
             processed_at = NULL, updated_at = ?
         WHERE id = ? AND status <> 'processing'`,
        [at, at, id],
      ),
    );
    if (affected === 1) return 'replayed';
    return (await current()) === 'missing' ? 'missing' : 'processing';
  }

  async body(id: string): Promise<Buffer | null> {
    const { rows } = await this.exec('SELECT body FROM webhook_events WHERE id = ?', [id]);
    if (rows.length === 0) return null;
    const body = rows[0].body;
    return Buffer.isBuffer(body) ? body : Buffer.from(body as Uint8Array);
  }

  /** Counts of the unfinished states and of `dead`, and the oldest pending event; cached for a second. */
  backlog(): Promise<Backlog> {
    const now = Date.now();
    if (this.backlogCache && now - this.backlogCache.at < 1000) return this.backlogCache.value;
    const value = this.exec(
      `SELECT status, COUNT(*) AS n, MIN(received_at) AS oldest FROM webhook_events
       WHERE status IN ('pending', 'retrying', 'processing', 'dead') GROUP BY status`,
      [],
    ).then(({ rows }) => {
      const backlog: Backlog = { pending: 0, retrying: 0, processing: 0, dead: 0, oldestPendingAt: null };
      for (const row of rows) {
        const status = String(row.status) as keyof Omit<Backlog, 'oldestPendingAt'>;
        backlog[status] = Number(row.n);
        if (status === 'pending') backlog.oldestPendingAt = this.date(row.oldest);
      }
      return backlog;
    });
    this.backlogCache = { at: now, value };
    value.catch(() => {
      if (this.backlogCache?.value === value) this.backlogCache = null;
    });
    return value;
  }
}

function parseHeaders(value: unknown): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(String(value));
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, string>) : {};
  } catch {
    return {};
  }
}
