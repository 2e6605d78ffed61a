import { CreateEmailMessageDto, EmailFieldsQuery, EmailMessageDto, ListEmailMessagesQuery } from './dto/message.dto.js';
import { EmailMessage } from './entities/email-message.entity.js';
import { EMAIL_INTEGRATION } from './message.integrations.js';
import type { MessageKind } from './message-kind.js';
import { messagesController } from './messages.controller.js';
import { messagesService } from './messages.service.js';

export type EmailInput = Pick<EmailMessage, 'to' | 'subject' | 'text'>;

/** Emails, through the email service (API key). */
const EMAIL_MESSAGES: MessageKind<EmailMessage, EmailInput> = {
  path: 'email-messages',
  label: 'email message',
  integration: EMAIL_INTEGRATION.name,
  entity: EmailMessage,
  content: ['to', 'subject', 'text'],
  dto: EmailMessageDto,
  createDto: CreateEmailMessageDto,
  listQuery: ListEmailMessagesQuery,
  fieldsQuery: EmailFieldsQuery,
  words: { one: 'email', many: 'emails', service: 'the email service', auth: 'API key' },
};

/** Other modules send their emails through it (a settled payment's, from its webhook handler). */
export class EmailMessagesService extends messagesService(EMAIL_MESSAGES) {}

export class EmailMessagesController extends messagesController(EMAIL_MESSAGES, EmailMessagesService) {}
