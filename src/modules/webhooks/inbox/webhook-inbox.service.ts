import { Inject, Injectable, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { newEventId } from './event-id.js';
import { GroupWriter } from './group-writer.js';
import type { Backlog, ClaimedEvent, DueEvent, NewInboxEvent, StoredEvent as Stored } from './inbox-rows.js';
import { WEBHOOK_INTAKE } from '../../../database/webhook-intake.js';
import { PortableSql, type Row } from '../../../database/portable-sql.js';
import { isUniqueViolation } from '../../../common/resource/unique-violation.js';

export type { Backlog, ClaimedEvent, DueEvent, NewInboxEvent } from './inbox-rows.js';

const LAST_ERROR_MAX = 2000;

const eventKey = (source: unknown, externalId: unknown) => `${String(source)}\n${String(externalId)}`;
const keyOfEvent = (event: NewInboxEvent) => eventKey(event.source, event.externalEventId);
/** Row ids by eventKey, from rows carrying `id`, `source` and `external_event_id`. */
const idsByKey = (rows: Row[]) =>
  new Map(rows.map((row) => [eventKey(row.source, row.external_event_id), String(row.id)]));

const INSERT_COLUMNS = `INSERT INTO webhook_events (id, source, external_event_id, type, status, attempts, body, headers,
     received_at, signed_at, available_at, processed_at, updated_at) VALUES `;
const EVENT_VALUES = '(?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?)';
const ON_CONFLICT = ' ON CONFLICT (source, external_event_id) DO NOTHING RETURNING id, source, external_event_id';
const INSERT_EVENT = INSERT_COLUMNS + EVENT_VALUES + ON_CONFLICT;
/** The most events one grouped insert takes: 600 parameters, far below either database's limit. */
const MAX_GROUP = 50;

/**
 * The inbox table, the source of truth of the webhook flow. Hot paths are single SQL statements that run
 * unchanged on SQLite and PostgreSQL (PortableSql). On SQLite a running transaction's uncommitted writes
 * are visible to reads on the shared connection, which is why the event row's own state is written last
 * there (see WebhookLeases.transaction()).
 */
@Injectable()
export class WebhookInbox extends PortableSql {
  private readonly intakeWriter: GroupWriter<{ event: NewInboxEvent; now: Date }, Stored>;
  private backlogCache: { at: number; value: Promise<Backlog> } | null = null;

  constructor(
    @InjectDataSource() dataSource: DataSource,
    // The receiver's inserts go through a pool of their own on PostgreSQL (see WEBHOOK_INTAKE).
    @Optional() @Inject(WEBHOOK_INTAKE) private readonly intake: DataSource = dataSource,
  ) {
    super(dataSource);
    // As many grouped inserts at once as the intake pool has connections; one on SQLite (one writer).
    const poolSize = (intake.options as { poolSize?: number }).poolSize ?? 10;
    this.intakeWriter = new GroupWriter((events) => this.insertGroup(events), {
      concurrency: this.postgres ? poolSize : 1,
      maxGroup: MAX_GROUP,
    });
  }

  /**
   * Stores an event the receiver will acknowledge: it resolves once the row is committed (one statement,
   * maybe shared with other events: see insertGroup). A second delivery of the same (source, external
   * id) changes nothing and gets the first row's id.
   */
  async insert(event: NewInboxEvent, now = new Date()): Promise<Stored> {
    return this.intakeWriter.write({ event, now });
  }

  /** Deliveries waiting for an intake connection, which the next grouped insert takes (/debug). */
  get intakeWaiting(): number {
    return this.intakeWriter.waiting;
  }

  /**
   * Events the receiver acknowledges, in one statement (GroupWriter: what queued while the intake's
   * connections were busy). The first of several with one (source, external id) is stored; the others,
   * like a redelivery of a stored one, are duplicates and get the stored row's id.
   */
  private insertGroup(group: { event: NewInboxEvent; now: Date }[]): Promise<Stored[]> {
    return this.serial(async () => {
      const sql = INSERT_COLUMNS + group.map(() => EVENT_VALUES).join(', ') + ON_CONFLICT;
      const params = group.flatMap(({ event, now }) => this.insertParams(event, now));
      let inserted = new Map<string, string>();
      try {
        const { rows } = await this.exec(sql, params, undefined, this.intake);
        inserted = idsByKey(rows);
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
      }
      // Deliveries this statement stored none for: their keys were stored before (redeliveries).
      const earlier = await this.storedIds(group.map(({ event }) => event).filter((e) => !inserted.has(keyOfEvent(e))));
      const answered = new Set<string>();
      return group.map(({ event }) => {
        const key = keyOfEvent(event);
        const own = inserted.get(key);
        // The first delivery of a key in the group took the row; later ones are its duplicates.
        if (own !== undefined && !answered.has(key)) {
          answered.add(key);
          return { eventId: own, duplicate: false };
        }
        const eventId = own ?? earlier.get(key);
        if (eventId === undefined) throw new Error('webhook insert conflicted but no row exists');
        return { eventId, duplicate: true };
      });
    });
  }

  /** The ids of the rows stored for these events' keys, by eventKey: one SELECT for a group's redeliveries. */
  private async storedIds(events: NewInboxEvent[]): Promise<Map<string, string>> {
    if (events.length === 0) return new Map();
    const keys = [...new Map(events.map((e) => [keyOfEvent(e), e])).values()];
    const { rows } = await this.exec(
      `SELECT id, source, external_event_id FROM webhook_events WHERE ${keys
        .map(() => '(source = ? AND external_event_id = ?)')
        .join(' OR ')}`,
      keys.flatMap((e) => [e.source, e.externalEventId]),
      undefined,
      this.intake,
    );
    return idsByKey(rows);
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
