import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { FieldsParam, PageQueryDto, SortParam } from '../../../common/http/list-query.js';
import { WEBHOOK_EVENT_STATUSES, type WebhookEventStatus } from '../entities/webhook-event.entity.js';
import { WEBHOOK_EVENT_DETAIL_FIELDS, WEBHOOK_EVENT_FIELDS, WEBHOOK_EVENT_SORTABLE } from './webhook-event.dto.js';

export class ListWebhookEventsQuery extends PageQueryDto {
  @FieldsParam(WEBHOOK_EVENT_FIELDS)
  fields?: string;

  @SortParam(WEBHOOK_EVENT_SORTABLE)
  sort?: string;

  @ApiPropertyOptional({
    description: 'exact source',
    example: 'payment-service',
    maxLength: 100,
    pattern: '^[a-z0-9-]+$',
  })
  @IsOptional()
  @IsString()
  @MaxLength(100)
  source?: string;

  @ApiPropertyOptional({
    description: 'exact event type',
    example: 'payment.succeeded',
    maxLength: 255,
    pattern: '^[\\x21-\\x7e]+$',
  })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  @Matches(/^[\x21-\x7e]+$/)
  type?: string;

  @ApiPropertyOptional({ description: 'exact status', enum: WEBHOOK_EVENT_STATUSES, example: 'dead' })
  @IsOptional()
  @IsIn(WEBHOOK_EVENT_STATUSES)
  status?: WebhookEventStatus;

  @ApiPropertyOptional({
    description: "the sender's event id",
    example: 'msg_2Lh9example',
    maxLength: 255,
    pattern: '^[\\x21-\\x7e]+$',
  })
  @IsOptional()
  @IsString()
  @MaxLength(255)
  externalEventId?: string;
}

export class WebhookEventFieldsQuery {
  @FieldsParam(WEBHOOK_EVENT_DETAIL_FIELDS)
  fields?: string;
}
