import { CreateSmsMessageDto, ListSmsMessagesQuery, SmsFieldsQuery, SmsMessageDto } from './dto/message.dto.js';
import { SmsMessage } from './entities/sms-message.entity.js';
import { SMS_INTEGRATION } from './message.integrations.js';
import type { MessageKind } from './message-kind.js';
import { messagesController } from './messages.controller.js';
import { messagesService } from './messages.service.js';

export type SmsInput = Pick<SmsMessage, 'to' | 'body'>;

/** Text messages, through the SMS service (HTTP Basic). */
const SMS_MESSAGES: MessageKind<SmsMessage, SmsInput> = {
  path: 'sms-messages',
  label: 'SMS message',
  integration: SMS_INTEGRATION.name,
  entity: SmsMessage,
  content: ['to', 'body'],
  dto: SmsMessageDto,
  createDto: CreateSmsMessageDto,
  listQuery: ListSmsMessagesQuery,
  fieldsQuery: SmsFieldsQuery,
  words: { one: 'text message', many: 'text messages', service: 'the SMS service', auth: 'HTTP Basic' },
};

export class SmsMessagesService extends messagesService(SMS_MESSAGES) {}

export class SmsMessagesController extends messagesController(SMS_MESSAGES, SmsMessagesService) {}
