import type { DeepPartial, EntityManager, FindOptionsWhere, Repository } from 'typeorm';
import type { QueryDeepPartialEntity } from 'typeorm/query-builder/QueryPartialEntity.js';
import { ulid } from 'ulid';
import type { Page } from '../../common/http/list-query.js';
import { findPage } from '../../common/resource/find-page.js';
import { Problems } from '../../common/http/problem.js';
import type { MessageRecord } from './entities/message-table.js';
import type { ProviderMessage } from './message.clients.js';
import { isUniqueViolation } from '../../common/resource/unique-violation.js';

export interface SendOptions {
  /**
   * At most one message per key: when a message was already recorded under it, that message is
   * returned and nothing is sent (e.g. the webhook event id, so a retried event emails once).
   */
  idempotencyKey?: string;
  /** The id of the request or event this message serves, passed on to the provider. */
  requestId?: string;
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
 * The provider call never runs inside a transaction: a webhook handler finds the key in its
 * transaction, delivers after the commit and records in a second, short one.
 */
export class RecordedMessages<E extends MessageRecord, D> {
  constructor(
    private readonly messages: Repository<E>,
    private readonly toDto: (row: E) => D,
    private readonly label: string,
  ) {}

  /**
   * Sends and records a message, outside any transaction: the provider call may take its whole budget,
   * and no database lock may be held meanwhile. (Inside a webhook handler, use `find` in the handler's
   * transaction, `deliver` after it commits and `record` in the second, short one.)
   */
  async send<C extends { to: string }>(
    content: C,
    options: SendOptions,
    deliver: (content: C, idempotencyKey: string) => Promise<ProviderMessage>,
  ): Promise<D> {
    const key = options.idempotencyKey;
    if (key !== undefined) {
      const existing = await this.find(key);
      if (existing) return existing;
    }
    const id = ulid();
    const accepted = await deliver(content, key ?? id);
    try {
      return await this.record(content, accepted, key, id);
    } catch (e) {
      // A concurrent send with the same key won.
      if (key === undefined || !isUniqueViolation(e)) throw e;
      return (await this.find(key))!;
    }
  }

  /** The message recorded under `key`, if any (through `manager`: in that transaction). */
  async find(key: string, manager?: EntityManager): Promise<D | null> {
    const row = await this.repo(manager).findOneBy({ idempotencyKey: key } as FindOptionsWhere<E>);
    return row ? this.toDto(row) : null;
  }

  /**
   * Records a message the provider accepted. Under a key already recorded this throws a unique
   * violation, which inside a transaction aborts it: the caller's retry then finds the message.
   */
  async record<C extends { to: string }>(
    content: C,
    accepted: ProviderMessage,
    key: string | undefined,
    id = ulid(),
    manager?: EntityManager,
  ): Promise<D> {
    const repo = this.repo(manager);
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
    await repo.insert(row as QueryDeepPartialEntity<E>);
    return this.toDto(row);
  }

  private repo(manager: EntityManager | undefined): Repository<E> {
    return manager?.getRepository<E>(this.messages.target) ?? this.messages;
  }

  async list(query: MessageQuery): Promise<Page<D>> {
    const where: Partial<MessageRecord> = {};
    if (query.to !== undefined) where.to = query.to;
    if (query.status !== undefined) where.status = query.status;
    // The sortable keys (createdAt, to, status) are the entity's property names.
    return findPage(this.messages, query, {
      where: where as FindOptionsWhere<E>,
      defaultSort: { createdAt: 'ASC' },
      map: this.toDto,
    });
  }

  async get(id: string): Promise<D> {
    const message = await this.messages.findOneBy({ id } as FindOptionsWhere<E>);
    if (!message) throw Problems.notFound(this.label, id);
    return this.toDto(message);
  }
}
