import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { IsNull, Not, Repository, type EntityManager, type FindOptionsWhere } from 'typeorm';
import { ulid } from 'ulid';
import type { Page } from '../../common/http/list-query.js';
import { findPage } from '../../common/resource/find-page.js';
import { ProblemException, Problems } from '../../common/http/problem.js';
import { UsersService } from '../users/index.js';
import { PaymentClient } from './payment.client.js';
import { isUniqueViolation } from '../../common/resource/unique-violation.js';
import { PaymentDto, type CreatePaymentDto, type ListPaymentsQuery } from './dto/payment.dto.js';
import { Payment } from './entities/payment.entity.js';

/** draft-ietf-httpapi-idempotency-key-header: a string; here 1-255 visible ASCII characters. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

const SORT_COLUMNS: Record<string, keyof Payment> = {
  createdAt: 'createdAt',
  updatedAt: 'updatedAt',
  amount: 'amount',
  status: 'status',
  settledAt: 'settledAt',
};

export interface CreatePaymentOptions {
  /** The API client asking; its idempotency keys are its own. */
  clientId: string;
  idempotencyKey?: string;
  /** The API request's id, passed on to the payment service. */
  requestId?: string;
}

export interface CreatePaymentResult {
  payment: PaymentDto;
  /** True when this request created nothing: it got the payment an earlier request with the same key made. */
  replayed: boolean;
}

export interface PaymentSettlement {
  providerPaymentId: string;
  status: 'succeeded' | 'failed';
  /** When it happened at the payment service (the event's time, not when it reached us). */
  occurredAt: Date;
  eventId: string;
  /** The `reference` the payment was created with (our payment id), for a payment whose creation answer was lost. */
  reference?: string;
}

export interface SettleResult {
  /** Null when no payment of ours has that provider id. */
  payment: PaymentDto | null;
  /** The status changed (a newer event with the same status only advances `lastEventAt`). */
  changed: boolean;
}

const requestHash = (input: CreatePaymentDto) =>
  createHash('sha256')
    .update(JSON.stringify([input.userId, input.amount, input.currency]))
    .digest('hex');

const confirmed: FindOptionsWhere<Payment> = { providerPaymentId: Not(IsNull()) };

/** Strictly later than `previous`, so every change moves `updatedAt` (and the ETag's inputs) forward. */
const nextUpdate = (previous: Date) => new Date(Math.max(Date.now(), previous.getTime() + 1));

@Injectable()
export class PaymentsService {
  /** Provider calls in progress by payment id: duplicates arriving meanwhile wait for the same call. */
  private readonly confirming = new Map<string, Promise<Payment>>();

  constructor(
    @InjectRepository(Payment) private readonly payments: Repository<Payment>,
    private readonly users: UsersService,
    private readonly client: PaymentClient,
  ) {}

  /**
   * Creates a payment at the payment service, exactly once per (client, Idempotency-Key):
   *
   * 1. A known key with another body is refused (422); with the same body the stored payment is
   *    returned (`replayed`), or, when its provider call failed earlier, that call is made again.
   * 2. Otherwise the row is inserted first (the unique key claims it; a concurrent duplicate
   *    loses the insert and becomes case 1), then the service is called with our payment id as
   *    its `Idempotency-Key`, the same on every retry and every replay, so however often we ask,
   *    the service creates one payment.
   */
  async create(input: CreatePaymentDto, options: CreatePaymentOptions): Promise<CreatePaymentResult> {
    const key = options.idempotencyKey;
    if (key !== undefined && !IDEMPOTENCY_KEY_PATTERN.test(key)) {
      throw Problems.badRequest('Idempotency-Key must be 1 to 255 visible ASCII characters', [
        { field: 'Idempotency-Key', message: 'Idempotency-Key must be 1 to 255 visible ASCII characters' },
      ]);
    }
    const hash = requestHash(input);
    if (key !== undefined) {
      const existing = await this.payments.findOneBy({ clientId: options.clientId, idempotencyKey: key });
      if (existing) return this.replay(existing, hash, options.requestId);
    }
    await this.assertUserExists(input.userId);

    const now = new Date();
    const row = this.payments.create({
      id: ulid(),
      userId: input.userId,
      amount: input.amount,
      currency: input.currency,
      status: 'pending',
      providerPaymentId: null,
      clientId: options.clientId,
      idempotencyKey: key ?? null,
      requestHash: hash,
      createdAt: now,
      updatedAt: now,
      settledAt: null,
      lastEventAt: null,
      lastEventId: null,
      reconcileAfter: null,
    });
    // Registered before the insert commits, so a duplicate that finds the row also finds the call.
    const flight = this.track(
      row.id,
      this.payments.insert(row).then(() => this.callProvider(row, options.requestId)),
    );
    try {
      return { payment: PaymentDto.from(await flight), replayed: false };
    } catch (e) {
      if (key === undefined || !isUniqueViolation(e)) throw e;
      const winner = await this.payments.findOneByOrFail({ clientId: options.clientId, idempotencyKey: key });
      return this.replay(winner, hash, options.requestId);
    }
  }

  async list(query: ListPaymentsQuery): Promise<Page<PaymentDto>> {
    const where: FindOptionsWhere<Payment> = { ...confirmed };
    if (query.userId !== undefined) where.userId = query.userId;
    if (query.status !== undefined) where.status = query.status;
    return findPage(this.payments, query, {
      where,
      defaultSort: { createdAt: 'ASC' },
      columns: SORT_COLUMNS,
      map: PaymentDto.from,
    });
  }

  async get(id: string): Promise<PaymentDto> {
    const payment = await this.payments.findOneBy({ id, ...confirmed });
    if (!payment) throw Problems.notFound('payment', id);
    return PaymentDto.from(payment);
  }

  /**
   * Applies a payment webhook event inside the caller's transaction (`manager`). Events may come
   * late, twice or out of order: one older than the newest applied (`lastEventAt`) changes
   * nothing, and since events only carry `succeeded` or `failed`, a settled payment never goes
   * back to `pending`. On PostgreSQL the row is locked for the rest of the transaction; SQLite
   * transactions are serialised already.
   */
  async settleFromWebhook(manager: EntityManager, event: PaymentSettlement): Promise<SettleResult> {
    const repo = manager.getRepository(Payment);
    const lock = manager.connection.options.type === 'postgres' ? { mode: 'pessimistic_write' as const } : undefined;
    let row = await repo.findOne({ where: { providerPaymentId: event.providerPaymentId }, lock });
    let claimed = false;
    if (!row && event.reference) {
      // The service accepted the payment but its answer never reached us: the reference finds our row.
      row = await repo.findOne({ where: { id: event.reference, providerPaymentId: IsNull() }, lock });
      claimed = row !== null;
    }
    if (!row) return { payment: null, changed: false };

    const newer = row.lastEventAt === null || event.occurredAt.getTime() > row.lastEventAt.getTime();
    if (!newer && !claimed) return { payment: PaymentDto.from(row), changed: false };
    const changed = newer && row.status !== event.status;
    const update: Partial<Payment> = { updatedAt: nextUpdate(row.updatedAt) };
    if (claimed) update.providerPaymentId = event.providerPaymentId;
    if (newer) {
      update.lastEventAt = event.occurredAt;
      update.lastEventId = event.eventId;
      if (changed) {
        update.status = event.status;
        update.settledAt = event.occurredAt;
      }
    }
    await repo.update({ id: row.id }, update);
    return { payment: PaymentDto.from({ ...row, ...update }), changed };
  }

  private async replay(existing: Payment, hash: string, requestId?: string): Promise<CreatePaymentResult> {
    if (existing.requestHash !== hash) throw new ProblemException({ type: 'idempotency-key-reused', status: 422 });
    if (existing.providerPaymentId !== null) return { payment: PaymentDto.from(existing), replayed: true };
    const inflight = this.confirming.get(existing.id);
    if (inflight) return { payment: PaymentDto.from(await inflight), replayed: true };
    // The row was read before a call of this process finished: that call stores the provider's answer
    // before it stops being tracked, so a second read sees it (without it, a concurrent duplicate asked
    // the provider again and answered 201: seen in test:pg under load).
    const current = await this.payments.findOneByOrFail({ id: existing.id });
    if (current.providerPaymentId !== null) return { payment: PaymentDto.from(current), replayed: true };
    // Its provider call failed earlier (or runs in another process): ask again with the same key.
    return {
      payment: PaymentDto.from(await this.track(existing.id, this.callProvider(existing, requestId))),
      replayed: false,
    };
  }

  private track(id: string, call: Promise<Payment>): Promise<Payment> {
    const tracked = call.finally(() => {
      if (this.confirming.get(id) === tracked) this.confirming.delete(id);
    });
    this.confirming.set(id, tracked);
    return tracked;
  }

  private async callProvider(row: Payment, requestId: string | undefined): Promise<Payment> {
    const provider = await this.client.createPayment(
      { amount: row.amount, currency: row.currency, reference: row.id },
      row.id,
      requestId,
    );
    // A webhook that came first may have claimed the row already (through the reference).
    await this.payments.update(
      { id: row.id, providerPaymentId: IsNull() },
      { providerPaymentId: provider.id, updatedAt: nextUpdate(row.updatedAt) },
    );
    return this.payments.findOneByOrFail({ id: row.id });
  }

  private async assertUserExists(userId: string): Promise<void> {
    try {
      await this.users.get(userId);
    } catch (e) {
      if (e instanceof ProblemException && e.problem.status === 404) {
        throw new ProblemException({
          type: 'unknown-reference',
          status: 422,
          params: { resource: 'user', id: userId },
          errors: [{ field: 'userId', message: `user ${userId} does not exist` }],
        });
      }
      throw e;
    }
  }
}
