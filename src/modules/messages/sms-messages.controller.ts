import { RequestId } from '../../common/http/request-id.decorator.js';
import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Page } from '../../common/http/list-query.js';
import { ApiEnvelope, ApiProblemResponses } from '../../common/http/rest.decorators.js';
import { Created } from '../../common/http/rest-response.js';
import { Auth } from '../auth/index.js';
import { ApiUpstreamProblems } from '../integrations/index.js';
import { CreateSmsMessageDto, ListSmsMessagesQuery, SmsFieldsQuery, SmsMessageDto } from './dto/message.dto.js';
import { SmsMessagesService } from './sms-messages.service.js';

const MESSAGE_ID = ApiParam({
  name: 'messageId',
  description: 'our message id',
  example: '01JEXAMPLE0000000000000000',
  schema: { type: 'string', maxLength: 40, pattern: '^[0-9A-Za-z_-]+$' },
});

@ApiTags('messages')
@Controller({ path: 'sms-messages', version: '1' })
export class SmsMessagesController {
  constructor(private readonly messages: SmsMessagesService) {}

  @Get()
  @Auth('messages:write')
  @ApiOperation({ operationId: 'listSmsMessages', summary: 'List the text messages sent (filter by to and status)' })
  @ApiEnvelope(SmsMessageDto, { list: true })
  list(@Query() query: ListSmsMessagesQuery): Promise<Page<SmsMessageDto>> {
    return this.messages.list(query);
  }

  @Post()
  @Auth('messages:write')
  @ApiOperation({ operationId: 'sendSmsMessage', summary: 'Send a text message through the SMS service (HTTP Basic)' })
  @ApiEnvelope(SmsMessageDto, {
    status: 201,
    description: "accepted by the SMS service; with the service's id and status",
  })
  @ApiProblemResponses(413, 415)
  @ApiUpstreamProblems()
  async send(@Body() body: CreateSmsMessageDto, @RequestId() requestId: string): Promise<Created<SmsMessageDto>> {
    const message = await this.messages.send(body, { requestId });
    return new Created(message, `/api/v1/sms-messages/${message.messageId}`);
  }

  @Get(':messageId')
  @Auth('messages:write')
  @MESSAGE_ID
  @ApiOperation({ operationId: 'getSmsMessage', summary: 'Get one text message' })
  @ApiEnvelope(SmsMessageDto)
  @ApiProblemResponses(404)
  get(@Param('messageId') id: string, @Query() _query: SmsFieldsQuery): Promise<SmsMessageDto> {
    return this.messages.get(id);
  }
}
