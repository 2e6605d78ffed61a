import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { Page } from '../../../common/http/list-query.js';
import { EmailClient } from '../clients/message.clients.js';
import { EmailMessageDto, type ListEmailMessagesQuery } from './dto/message.dto.js';
import { EmailMessage } from './entities/email-message.entity.js';
import { RecordedMessages, type SendOptions } from './recorded-messages.js';

export type { SendOptions } from './recorded-messages.js';

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

  /** Hands the email to the email service, then records it (see RecordedMessages.send). */
  send(input: EmailInput, options: SendOptions = {}): Promise<EmailMessageDto> {
    const content = { to: input.to, subject: input.subject, text: input.text };
    return this.recorded.send(content, options, (message, key) => this.client.send(message, key, options.requestId));
  }

  list(query: ListEmailMessagesQuery): Promise<Page<EmailMessageDto>> {
    return this.recorded.list(query);
  }

  get(id: string): Promise<EmailMessageDto> {
    return this.recorded.get(id);
  }
}
