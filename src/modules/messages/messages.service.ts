import { Injectable, type Type } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository, type EntityManager } from 'typeorm';
import type { OutcomeWriter } from '../webhooks/index.js';
import type { Page } from '../../common/http/list-query.js';
import type { MessageRecord } from './entities/message-table.js';
import { MessageClient } from './message.clients.js';
import { contentOf, represent, type MessageContent, type MessageKind, type MessageView } from './message-kind.js';
import { RecordedMessages, type MessageQuery, type SendOptions } from './recorded-messages.js';

export type { SendOptions } from './recorded-messages.js';

/** Send, list and get the messages of one kind through its service (see RecordedMessages). */
export class MessagesService<E extends MessageRecord & C, C extends MessageContent> {
  private readonly recorded: RecordedMessages<E, MessageView<C>>;

  constructor(
    private readonly kind: MessageKind<E, C>,
    messages: Repository<E>,
    private readonly client: MessageClient,
  ) {
    this.recorded = new RecordedMessages(messages, (row) => represent<C>(kind, row), kind.label);
  }

  /** Hands the message to the kind's service, then records it (see RecordedMessages.send); no transaction. */
  send(input: C, options: SendOptions = {}): Promise<MessageView<C>> {
    return this.recorded.send(contentOf(this.kind, input), options, (message, key) =>
      this.deliver(message, key, options.requestId),
    );
  }

  /** The message recorded under `key`, read in `manager`'s transaction (a webhook handler's). */
  findByKey(key: string, manager: EntityManager): Promise<MessageView<C> | null> {
    return this.recorded.find(key, manager);
  }

  /**
   * The after-commit half of a handler's message: the call (outside any transaction; the key makes a
   * retry of the same event the same message at the provider), then the writer that records it in the
   * transaction marking the event processed.
   */
  async deliverForEvent(input: C, key: string, requestId: string): Promise<OutcomeWriter> {
    const content = contentOf(this.kind, input);
    const accepted = await this.deliver(content, key, requestId);
    return async (manager) => {
      await this.recorded.record(content, accepted, key, undefined, manager);
    };
  }

  list(query: MessageQuery): Promise<Page<MessageView<C>>> {
    return this.recorded.list(query);
  }

  get(id: string): Promise<MessageView<C>> {
    return this.recorded.get(id);
  }

  private deliver(content: C, key: string, requestId: string | undefined) {
    return this.client.send(this.kind.integration, content, key, requestId);
  }
}

/**
 * The injectable service of a kind: its repository and the provider client. A kind's service extends it
 * under its own name, with no decorator: Nest reads the constructor's injection from this class.
 */
export function messagesService<E extends MessageRecord & C, C extends MessageContent>(
  kind: MessageKind<E, C>,
): Type<MessagesService<E, C>> {
  @Injectable()
  class KindMessagesService extends MessagesService<E, C> {
    constructor(@InjectRepository(kind.entity) messages: Repository<E>, client: MessageClient) {
      super(kind, messages, client);
    }
  }
  return KindMessagesService;
}
