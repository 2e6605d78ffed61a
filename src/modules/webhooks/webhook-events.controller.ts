import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Page } from '../../common/http/list-query.js';
import { ApiEnvelope, ApiProblemResponses } from '../../common/http/rest.decorators.js';
import { Auth } from '../auth/index.js';
import { ListWebhookEventsQuery, WebhookEventFieldsQuery } from './dto/list-webhook-events.query.js';
import { WEBHOOK_EVENT_EXAMPLE, WebhookEventDetailDto, WebhookEventDto } from './dto/webhook-event.dto.js';
import { WebhookEventsService } from './webhook-events.service.js';

const EVENT_ID = ApiParam({
  name: 'eventId',
  description: 'our id of the event (the `eventId` the receiver answered)',
  // In the schema: Nest drops a parameter's own example when a schema is given.
  schema: { type: 'string', maxLength: 40, pattern: '^[0-9A-Za-z_-]+$', example: WEBHOOK_EVENT_EXAMPLE.eventId },
});

/** The webhook inbox: what was received, its processing state, and replay. */
@ApiTags('webhook-events')
@Controller({ path: 'webhook-events', version: '1' })
export class WebhookEventsController {
  constructor(private readonly events: WebhookEventsService) {}

  @Get()
  @Auth('webhooks:read')
  @ApiOperation({
    operationId: 'listWebhookEvents',
    summary: 'List received webhook events (filter by source, type, status; sort; page; fields)',
    description: 'Newest first unless `sort` says otherwise. Bodies are not listed; get one event for its body.',
  })
  @ApiEnvelope(WebhookEventDto, { list: true })
  list(@Query() query: ListWebhookEventsQuery): Promise<Page<WebhookEventDto>> {
    return this.events.list(query);
  }

  @Get(':eventId')
  @Auth('webhooks:read')
  @EVENT_ID
  @ApiOperation({
    operationId: 'getWebhookEvent',
    summary: 'One webhook event with its headers and raw body (UTF-8 text, or base64 when not UTF-8)',
    description:
      '`body` is the raw body exactly as received: the text itself when the bytes are valid UTF-8 ' +
      '(`bodyEncoding: utf8`), otherwise their base64 (`bodyEncoding: base64`); `bodyBytes` and `bodySha256` ' +
      'describe the stored bytes either way.',
  })
  @ApiEnvelope(WebhookEventDetailDto)
  @ApiProblemResponses(404)
  get(@Param('eventId') id: string, @Query() _query: WebhookEventFieldsQuery): Promise<WebhookEventDetailDto> {
    return this.events.get(id);
  }

  @Post(':eventId/replay')
  @HttpCode(202)
  @Auth('webhooks:admin')
  @EVENT_ID
  @ApiOperation({
    operationId: 'replayWebhookEvent',
    summary: 'Run an event again (processed, ignored, dead, or waiting): back to pending with a fresh attempt budget',
    description:
      'Handlers run again for a replayed event, so their effects must be idempotent on the event id. ' +
      '409 while a worker holds the event.',
  })
  @ApiEnvelope(WebhookEventDto, { status: 202, description: 'the event, now pending and queued' })
  @ApiProblemResponses(404, 409)
  replay(@Param('eventId') id: string): Promise<WebhookEventDto> {
    return this.events.replay(id);
  }
}
