import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { FieldsParam, PageQueryDto, SortParam } from '../../../common/http/list-query.js';
import { Text } from '../../../common/http/text-field.js';
import { WEBHOOK_EVENT_STATUSES, type WebhookEventStatus } from '../entities/webhook-event.entity.js';
import { WEBHOOK_EVENT_DETAIL_FIELDS, WEBHOOK_EVENT_FIELDS, WEBHOOK_EVENT_SORTABLE } from './webhook-event.dto.js';

export class ListWebhookEventsQuery extends PageQueryDto {
  @FieldsParam(WEBHOOK_EVENT_FIELDS)
  fields?: string;

  @SortParam(WEBHOOK_EVENT_SORTABLE)
  sort?: string;

  @Text({
    maxLength: 100,
    pattern: /^[a-z0-9-]+$/,
    optional: true,
    example: 'payment-service',
    description: 'exact source',
  })
  source?: string;

  @Text({
    maxLength: 255,
    pattern: /^[\x21-\x7e]+$/,
    optional: true,
    example: 'payment.succeeded',
    description: 'exact event type',
  })
  type?: string;

  @ApiPropertyOptional({ description: 'exact status', enum: WEBHOOK_EVENT_STATUSES, example: 'dead' })
  @IsOptional()
  @IsIn(WEBHOOK_EVENT_STATUSES)
  status?: WebhookEventStatus;

  @Text({
    maxLength: 255,
    pattern: /^[\x21-\x7e]+$/,
    optional: true,
    example: 'msg_2Lh9example',
    description: "the sender's event id",
  })
  externalEventId?: string;
}

export class WebhookEventFieldsQuery {
  @FieldsParam(WEBHOOK_EVENT_DETAIL_FIELDS)
  fields?: string;
}
