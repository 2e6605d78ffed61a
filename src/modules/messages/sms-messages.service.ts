import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import type { Page } from '../../common/http/list-query.js';
import { SmsClient } from './message.clients.js';
import { SmsMessageDto, type ListSmsMessagesQuery } from './dto/message.dto.js';
import { SmsMessage } from './entities/sms-message.entity.js';
import { RecordedMessages, type SendOptions } from './recorded-messages.js';

export interface SmsInput {
  to: string;
  body: string;
}

@Injectable()
export class SmsMessagesService {
  private readonly recorded: RecordedMessages<SmsMessage, SmsMessageDto>;

  constructor(
    @InjectRepository(SmsMessage) messages: Repository<SmsMessage>,
    private readonly client: SmsClient,
  ) {
    this.recorded = new RecordedMessages(messages, SmsMessageDto.from, 'SMS message');
  }

  /** Hands the text to the SMS service, then records it (see RecordedMessages.send). */
  send(input: SmsInput, options: SendOptions = {}): Promise<SmsMessageDto> {
    return this.recorded.send({ to: input.to, body: input.body }, options, (message, key) =>
      this.client.send(message, key, options.requestId),
    );
  }

  list(query: ListSmsMessagesQuery): Promise<Page<SmsMessageDto>> {
    return this.recorded.list(query);
  }

  get(id: string): Promise<SmsMessageDto> {
    return this.recorded.get(id);
  }
}
