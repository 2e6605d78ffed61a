import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository, type FindOptionsWhere } from 'typeorm';
import type { Page } from '../../common/http/list-query.js';
import { findPage } from '../../common/resource/find-page.js';
import { Problems } from '../../common/http/problem.js';
import { WebhookEventDetailDto, WebhookEventDto } from './dto/webhook-event.dto.js';
import type { ListWebhookEventsQuery } from './dto/list-webhook-events.query.js';
import { WebhookEvent } from './entities/webhook-event.entity.js';
import { dispatchOrLeaveToSweeper } from './dispatch/dispatch.js';
import { WEBHOOK_QUEUE, type WebhookQueue } from './dispatch/webhook-queue.js';
import { WebhookInbox } from './inbox/webhook-inbox.service.js';

const SORT_COLUMNS: Record<string, keyof WebhookEvent> = {
  receivedAt: 'receivedAt',
  processedAt: 'processedAt',
  attempts: 'attempts',
  source: 'source',
  type: 'type',
  status: 'status',
};

/** Inspection and replay of the inbox (`/api/v1/webhook-events`). */
@Injectable()
export class WebhookEventsService {
  private readonly logger = new Logger('Webhooks');

  constructor(
    @InjectRepository(WebhookEvent) private readonly events: Repository<WebhookEvent>,
    private readonly inbox: WebhookInbox,
    @Inject(WEBHOOK_QUEUE) private readonly queue: WebhookQueue,
  ) {}

  async list(query: ListWebhookEventsQuery): Promise<Page<WebhookEventDto>> {
    const where: FindOptionsWhere<WebhookEvent> = {};
    if (query.source !== undefined) where.source = query.source;
    if (query.type !== undefined) where.type = query.type;
    if (query.status !== undefined) where.status = query.status;
    if (query.externalEventId !== undefined) where.externalEventId = query.externalEventId;
    return findPage(this.events, query, {
      where,
      defaultSort: { receivedAt: 'DESC' },
      columns: SORT_COLUMNS,
      // ULIDs grow with time: the id follows the received order, so the newest-first default stays newest-first.
      tieBreaker: (order) => order.receivedAt ?? 'ASC',
      map: WebhookEventDto.from,
    });
  }

  async get(id: string): Promise<WebhookEventDetailDto> {
    const event = await this.find(id);
    const body = await this.inbox.body(id);
    if (!body) throw Problems.notFound('webhook event', id);
    return WebhookEventDetailDto.withBody(event, body);
  }

  /** 202 with the event, now pending; 409 while a worker holds it; 404 unknown. */
  async replay(id: string): Promise<WebhookEventDto> {
    const outcome = await this.inbox.replay(id);
    if (outcome === 'missing') throw Problems.notFound('webhook event', id);
    if (outcome === 'processing') {
      throw Problems.conflict(`webhook event ${id} is being processed; replay it once the attempt is over`);
    }
    this.logger.log(`webhook event ${id} replayed`);
    // Read before dispatching, so the answer shows the replayed state rather than a worker's progress.
    const event = WebhookEventDto.from(await this.find(id));
    await dispatchOrLeaveToSweeper(this.queue, this.logger, `webhook event ${id}`, id, { key: `${id}-p${Date.now()}` });
    return event;
  }

  private async find(id: string): Promise<WebhookEvent> {
    const event = await this.events.findOneBy({ id });
    if (!event) throw Problems.notFound('webhook event', id);
    return event;
  }
}
