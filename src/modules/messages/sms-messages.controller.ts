import { RequestId } from '../../common/http/request-id.decorator.js';
import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Page } from '../../common/http/list-query.js';
import { ApiEnvelope, ApiProblemResponses } from '../../common/http/rest.decorators.js';
import { Created } from '../../common/http/rest-response.js';
import { Auth } from '../auth/index.js';
import { ApiProblemParams } from '../../common/http/openapi-examples.js';
import { ApiUpstreamProblems } from '../integrations/index.js';
import { SMS_INTEGRATION } from './message.integrations.js';
import {
  CreateSmsMessageDto,
  ListSmsMessagesQuery,
  MESSAGE_EXAMPLE,
  SmsFieldsQuery,
  SmsMessageDto,
} from './dto/message.dto.js';
import { SmsMessagesService } from './sms-messages.service.js';

const MESSAGE_ID = ApiParam({
  name: 'messageId',
  description: 'our message id',
  // In the schema: Nest drops a parameter's own example when a schema is given.
  schema: { type: 'string', maxLength: 40, pattern: '^[0-9A-Za-z_-]+$', example: MESSAGE_EXAMPLE.messageId },
});

@ApiTags('messages')
@Controller({ path: 'sms-messages', version: '1' })
export class SmsMessagesController {
  constructor(private readonly messages: SmsMessagesService) {}

  @Get()
  @Auth('messages:write')
  @ApiOperation({
    operationId: 'listSmsMessages',
    summary: 'List the text messages sent (filter by to and status)',
    description: 'A page of the text messages sent, optionally filtered by recipient (`to`) and `status`.',
  })
  @ApiEnvelope(SmsMessageDto, { list: true })
  list(@Query() query: ListSmsMessagesQuery): Promise<Page<SmsMessageDto>> {
    return this.messages.list(query);
  }

  @Post()
  @Auth('messages:write')
  @ApiOperation({
    operationId: 'sendSmsMessage',
    summary: 'Send a text message through the SMS service (HTTP Basic)',
    description: 'Sends a text message through the SMS service and records it (201 with our `messageId`).',
  })
  @ApiEnvelope(SmsMessageDto, {
    status: 201,
    description: "accepted by the SMS service; with the service's id and status",
  })
  @ApiProblemResponses(413, 415)
  @ApiUpstreamProblems(SMS_INTEGRATION.name)
  async send(@Body() body: CreateSmsMessageDto, @RequestId() requestId: string): Promise<Created<SmsMessageDto>> {
    const message = await this.messages.send(body, { requestId });
    return new Created(message, `/api/v1/sms-messages/${message.messageId}`);
  }

  @Get(':messageId')
  @Auth('messages:write')
  @MESSAGE_ID
  @ApiOperation({
    operationId: 'getSmsMessage',
    summary: 'Get one text message',
    description: 'One text message sent, by our `messageId`.',
  })
  @ApiEnvelope(SmsMessageDto)
  @ApiProblemResponses(404)
  @ApiProblemParams({ 404: { resource: 'SMS message' } })
  get(@Param('messageId') id: string, @Query() _query: SmsFieldsQuery): Promise<SmsMessageDto> {
    return this.messages.get(id);
  }
}
