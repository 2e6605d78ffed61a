import { Body, Controller, Get, Inject, Param, Post, Query, type Type } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import type { Page } from '../../common/http/list-query.js';
import { ApiProblemParams } from '../../common/http/openapi-examples.js';
import { RequestId } from '../../common/http/request-id.decorator.js';
import { Created } from '../../common/http/rest-response.js';
import { ApiEnvelope, ApiProblemResponses } from '../../common/http/rest.decorators.js';
import { pascal } from '../../common/resource/define-resource.js';
import { article } from '../../common/resource/resource-docs.js';
import { Auth } from '../auth/index.js';
import { ApiUpstreamProblems } from '../integrations/index.js';
import { MESSAGE_EXAMPLE } from './dto/message.dto.js';
import type { MessageRecord } from './entities/message-table.js';
import type { MessageContent, MessageKind, MessageView } from './message-kind.js';
import type { MessagesService } from './messages.service.js';
import type { MessageQuery } from './recorded-messages.js';

const MESSAGE_ID = ApiParam({
  name: 'messageId',
  description: 'our message id',
  // In the schema: Nest drops a parameter's own example when a schema is given.
  schema: { type: 'string', maxLength: 40, pattern: '^[0-9A-Za-z_-]+$', example: MESSAGE_EXAMPLE.messageId },
});

/** The operations' texts, in the kind's words. */
function operations(path: string, { one, many, service, auth }: MessageKind<MessageRecord, MessageContent>['words']) {
  const an = `${article(one)} ${one}`;
  // `email-messages` → `EmailMessages`, and `EmailMessage` for one.
  const Names = path.split('-').map(pascal).join('');
  const Name = Names.slice(0, -1);
  return {
    list: {
      operationId: `list${Names}`,
      summary: `List the ${many} sent (filter by to and status)`,
      description: `A page of the ${many} sent, optionally filtered by recipient (\`to\`) and \`status\`.`,
    },
    send: {
      operationId: `send${Name}`,
      summary: `Send ${an} through ${service} (${auth})`,
      description: `Sends ${an} through ${service} and records it (201 with our \`messageId\`).`,
    },
    accepted: `accepted by ${service}; with the service's id and status`,
    get: {
      operationId: `get${Name}`,
      summary: `Get one ${one}`,
      description: `One ${one} sent, by our \`messageId\`.`,
    },
  };
}

/**
 * `/api/v1/<kind.path>`: list, send and get the messages of one kind, guarded by `messages:write`. A kind's
 * controller extends it under its own name, with no decorator (`@Controller()` would reset the path).
 */
export function messagesController<E extends MessageRecord & C, C extends MessageContent>(
  kind: MessageKind<E, C>,
  service: Type<MessagesService<E, C>>,
) {
  const op = operations(kind.path, kind.words);

  @ApiTags('messages')
  @Controller({ path: kind.path, version: '1' })
  class MessagesController {
    constructor(@Inject(service) readonly messages: MessagesService<E, C>) {}

    @Get()
    @Auth('messages:write')
    @ApiOperation(op.list)
    @ApiEnvelope(kind.dto, { list: true })
    list(@Query() query: MessageQuery): Promise<Page<MessageView<C>>> {
      return this.messages.list(query);
    }

    @Post()
    @Auth('messages:write')
    @ApiOperation(op.send)
    @ApiEnvelope(kind.dto, { status: 201, description: op.accepted })
    @ApiProblemResponses(413, 415)
    @ApiUpstreamProblems(kind.integration)
    async send(@Body() body: C, @RequestId() requestId: string): Promise<Created<MessageView<C>>> {
      const message = await this.messages.send(body, { requestId });
      return new Created(message, `/api/v1/${kind.path}/${message.messageId}`);
    }

    @Get(':messageId')
    @Auth('messages:write')
    @MESSAGE_ID
    @ApiOperation(op.get)
    @ApiEnvelope(kind.dto)
    @ApiProblemResponses(404)
    @ApiProblemParams({ 404: { resource: kind.label } })
    get(@Param('messageId') id: string, @Query() _query: object): Promise<MessageView<C>> {
      return this.messages.get(id);
    }
  }

  // TypeScript emits the generic parameters as Object; the validation pipe and the document read the kind's
  // classes here (`fields` of GET by id is declared, or the validation pipe would refuse it as unknown).
  const paramTypes = { list: [kind.listQuery], send: [kind.createDto, String], get: [String, kind.fieldsQuery] };
  for (const [method, types] of Object.entries(paramTypes)) {
    Reflect.defineMetadata('design:paramtypes', types, MessagesController.prototype, method);
  }
  return MessagesController;
}
