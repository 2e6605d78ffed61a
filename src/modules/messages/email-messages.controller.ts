import { RequestId } from '../../common/http/request-id.decorator.js';
import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Page } from '../../common/http/list-query.js';
import { ApiEnvelope, ApiProblemResponses } from '../../common/http/rest.decorators.js';
import { Created } from '../../common/http/rest-response.js';
import { Auth } from '../auth/index.js';
import { ApiUpstreamProblems } from '../integrations/index.js';
import { EMAIL_INTEGRATION } from './message.integrations.js';
import {
  CreateEmailMessageDto,
  EmailFieldsQuery,
  EmailMessageDto,
  ListEmailMessagesQuery,
  MESSAGE_EXAMPLE,
} from './dto/message.dto.js';
import { EmailMessagesService } from './email-messages.service.js';

const MESSAGE_ID = ApiParam({
  name: 'messageId',
  description: 'our message id',
  // In the schema: Nest drops a parameter's own example when a schema is given.
  schema: { type: 'string', maxLength: 40, pattern: '^[0-9A-Za-z_-]+$', example: MESSAGE_EXAMPLE.messageId },
});

@ApiTags('messages')
@Controller({ path: 'email-messages', version: '1' })
export class EmailMessagesController {
  constructor(private readonly messages: EmailMessagesService) {}

  @Get()
  @Auth('messages:write')
  @ApiOperation({
    operationId: 'listEmailMessages',
    summary: 'List the emails sent (filter by to and status)',
    description: 'A page of the emails sent, optionally filtered by recipient (`to`) and `status`.',
  })
  @ApiEnvelope(EmailMessageDto, { list: true })
  list(@Query() query: ListEmailMessagesQuery): Promise<Page<EmailMessageDto>> {
    return this.messages.list(query);
  }

  @Post()
  @Auth('messages:write')
  @ApiOperation({
    operationId: 'sendEmailMessage',
    summary: 'Send an email through the email service (API key)',
    description: 'Sends an email through the email service and records it (201 with our `messageId`).',
  })
  @ApiEnvelope(EmailMessageDto, {
    status: 201,
    description: "accepted by the email service; with the service's id and status",
  })
  @ApiProblemResponses(413, 415)
  @ApiUpstreamProblems(EMAIL_INTEGRATION.name)
  async send(@Body() body: CreateEmailMessageDto, @RequestId() requestId: string): Promise<Created<EmailMessageDto>> {
    const message = await this.messages.send(body, { requestId });
    return new Created(message, `/api/v1/email-messages/${message.messageId}`);
  }

  @Get(':messageId')
  @Auth('messages:write')
  @MESSAGE_ID
  @ApiOperation({
    operationId: 'getEmailMessage',
    summary: 'Get one email',
    description: 'One email sent, by our `messageId`.',
  })
  @ApiEnvelope(EmailMessageDto)
  @ApiProblemResponses(404)
  get(@Param('messageId') id: string, @Query() _query: EmailFieldsQuery): Promise<EmailMessageDto> {
    return this.messages.get(id);
  }
}
