import type { DeepPartial, EntityManager, FindOptionsOrder, FindOptionsWhere, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { ulid } from 'ulid';
import { Page, parseSort } from '../../../common/http/list-query.js';
import { Problems } from '../../../common/http/problem.js';
import type { ProviderMessage } from '../clients/message.clients.js';
import { isUniqueViolation } from '../database-errors.js';

export interface SendOptions {
  /**
   * At most one message per key: when a message was already recorded under it, that message is
   * returned and nothing is sent (e.g. the webhook event id, so a retried event emails once).
   */
  idempotencyKey?: string;
  /** Record the message in the caller's transaction (a webhook handler's). */
  manager?: EntityManager;
  /** The id of the request or event this message serves, passed on to the provider. */
  requestId?: string;
}

/** The columns every recorded message (email, SMS) has besides its content. */
export interface MessageRow {
  id: string;
  providerMessageId: string;
  status: string;
  to: string;
  idempotencyKey: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface MessageQuery {
  offset: number;
  limit: number;
  sort?: string;
  to?: string;
  status?: string;
}

/**
 * What the email and SMS resources share: hand the content to the provider, then record it with the
 * provider's id and status; list and get. The provider is called first, so a message is recorded
 * only once accepted; a crash in between can send it twice on a retry (at least once), which the
 * provider's Idempotency-Key (the key, or our id) absorbs; the key makes every other repeat a no-op.
 */
export class RecordedMessages<E extends MessageRow, D> {
  constructor(
    private readonly messages: Repository<E>,
    private readonly toDto: (row: E) => D,
    private readonly label: string,
  ) {}

  async send<C extends { to: string }>(
    content: C,
    options: SendOptions,
    deliver: (content: C, idempotencyKey: string) => Promise<ProviderMessage>,
  ): Promise<D> {
    const repo = options.manager?.getRepository<E>(this.messages.target) ?? this.messages;
    const key = options.idempotencyKey;
    const byKey = { idempotencyKey: key } as FindOptionsWhere<E>;
    if (key !== undefined) {
      const existing = await repo.findOneBy(byKey);
      if (existing) return this.toDto(existing);
    }
    const id = ulid();
    const accepted = await deliver(content, key ?? id);
    const now = new Date();
    const row = repo.create({
      id,
      providerMessageId: accepted.id,
      status: accepted.status,
      ...content,
      idempotencyKey: key ?? null,
      createdAt: now,
      updatedAt: now,
    } as unknown as DeepPartial<E>);
    try {
      await repo.insert(row as QueryDeepPartialEntity<E>);
    } catch (e) {
      // A concurrent send with the same key won; inside a transaction the error must surface (it aborted it).
      if (key === undefined || options.manager || !isUniqueViolation(e)) throw e;
      return this.toDto(await this.messages.findOneByOrFail(byKey));
    }
    return this.toDto(row);
  }

  async list(query: MessageQuery): Promise<Page<D>> {
    const where: Partial<MessageRow> = {};
    if (query.to !== undefined) where.to = query.to;
    if (query.status !== undefined) where.status = query.status;
    // The sortable keys (createdAt, to, status) are the entity's property names.
    const order: Record<string, 'ASC' | 'DESC'> = parseSort(query.sort, { createdAt: 'ASC' });
    order.id ??= 'ASC';
    const [rows, total] = await this.messages.findAndCount({
      where: where as FindOptionsWhere<E>,
      order: order as FindOptionsOrder<E>,
      skip: query.offset,
      take: query.limit,
    });
    return new Page(rows.map(this.toDto), total, query.offset, query.limit);
  }

  async get(id: string): Promise<D> {
    const message = await this.messages.findOneBy({ id } as FindOptionsWhere<E>);
    if (!message) throw Problems.notFound(this.label, id);
    return this.toDto(message);
  }
}
