import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository, type EntityManager } from 'typeorm';
import type { OutcomeWriter } from '../../webhooks/index.js';
import type { Page } from '../../../common/http/list-query.js';
import { EmailClient } from '../clients/message.clients.js';
import { EmailMessageDto, type ListEmailMessagesQuery } from './dto/message.dto.js';
import { EmailMessage } from './entities/email-message.entity.js';
import { RecordedMessages, type SendOptions } from './recorded-messages.js';

export type { SendOptions } from './recorded-messages.js';

const contentOf = (input: EmailInput): EmailInput => ({ to: input.to, subject: input.subject, text: input.text });

export interface EmailInput {
  to: string;
  subject: string;
  text: string;
}

@Injectable()
export class EmailMessagesService {
  private readonly recorded: RecordedMessages<EmailMessage, EmailMessageDto>;

  constructor(
    @InjectRepository(EmailMessage) messages: Repository<EmailMessage>,
    private readonly client: EmailClient,
  ) {
    this.recorded = new RecordedMessages(messages, EmailMessageDto.from, 'email message');
  }

  /** Hands the email to the email service, then records it (see RecordedMessages.send); no transaction. */
  send(input: EmailInput, options: SendOptions = {}): Promise<EmailMessageDto> {
    return this.recorded.send(contentOf(input), options, (message, key) =>
      this.client.send(message, key, options.requestId),
    );
  }

  /** The email recorded under `key`, read in `manager`'s transaction (a webhook handler's). */
  findByKey(key: string, manager: EntityManager): Promise<EmailMessageDto | null> {
    return this.recorded.find(key, manager);
  }

  /**
   * The after-commit half of a handler's email: the call (outside any transaction; the key makes a
   * retry of the same event the same email at the provider), then the writer that records it in the
   * transaction marking the event processed.
   */
  async deliverForEvent(input: EmailInput, key: string, requestId: string): Promise<OutcomeWriter> {
    const content = contentOf(input);
    const accepted = await this.client.send(content, key, requestId);
    return async (manager) => {
      await this.recorded.record(content, accepted, key, undefined, manager);
    };
  }

  list(query: ListEmailMessagesQuery): Promise<Page<EmailMessageDto>> {
    return this.recorded.list(query);
  }

  get(id: string): Promise<EmailMessageDto> {
    return this.recorded.get(id);
  }
}
