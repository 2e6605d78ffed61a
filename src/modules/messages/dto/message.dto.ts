import { ApiProperty } from '@nestjs/swagger';
import { FieldsParam, PageQueryDto, SortParam } from '../../../common/http/list-query.js';
import { Text, type TextOptions } from '../../../common/http/text-field.js';

/** Sample ids of a message (ULIDs minted at the document's sample time), ours and the email and SMS services'. */
export const MESSAGE_EXAMPLE = {
  messageId: '01JFA2NT0GAHXM7QRRFQSWX6CZ',
  providerEmailId: 'msg_01JFA2NWY8Q73ZB8HVK5VCSH3E',
  providerSmsId: 'sms_01JFA2NXXGRK6B9VQ158DE481V',
};

/** E.164: `+`, country code, subscriber number; at most 15 digits (what the SMS service requires). */
export const E164 = /^\+[1-9][0-9]{6,14}$/;
const ID = { maxLength: 40, pattern: '^[0-9A-Za-z_-]+$' } as const;
const PROVIDER_ID = { maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' } as const;
const PROVIDER_STATUS = { example: 'queued', maxLength: 32, pattern: '^[A-Za-z0-9_-]+$' } as const;

/** The field rules of a message, shared by the bodies and the list filters. */
const EMAIL_TO: TextOptions = { maxLength: 254, format: 'email', example: 'yamada@example.com' };
const SUBJECT: TextOptions = { maxLength: 998, example: 'お支払いが完了しました', description: 'one line' };
const EMAIL_TEXT: TextOptions = { maxLength: 100000, multiline: true, example: 'ご利用ありがとうございます。' };
const PHONE: TextOptions = {
  maxLength: 16,
  pattern: E164,
  patternMessage: 'to must be an E.164 phone number such as +819012345678',
  example: '+819012345678',
  description: 'E.164 (`+81…`)',
};
const SMS_BODY: TextOptions = { maxLength: 1600, multiline: true, example: '認証コード: 123456' };
const STATUS_FILTER: TextOptions = {
  maxLength: 32,
  pattern: /^[A-Za-z0-9_-]+$/,
  optional: true,
  example: 'queued',
  description: 'exact provider status',
};

export const EMAIL_FIELDS = [
  'messageId',
  'providerMessageId',
  'status',
  'to',
  'subject',
  'text',
  'createdAt',
  'updatedAt',
] as const;
export const SMS_FIELDS = ['messageId', 'providerMessageId', 'status', 'to', 'body', 'createdAt', 'updatedAt'] as const;
export const MESSAGE_SORTABLE = ['createdAt', 'to', 'status'] as const;

export class EmailMessageDto {
  @ApiProperty({ example: MESSAGE_EXAMPLE.messageId, description: 'our id (ULID)', ...ID })
  messageId!: string;

  @ApiProperty({ example: MESSAGE_EXAMPLE.providerEmailId, description: "the email service's id", ...PROVIDER_ID })
  providerMessageId!: string;

  @ApiProperty({ description: "the email service's status when it accepted the message", ...PROVIDER_STATUS })
  status!: string;

  @ApiProperty({ example: 'yamada@example.com', format: 'email', maxLength: 254 })
  to!: string;

  @ApiProperty({ example: 'お支払いが完了しました', maxLength: 998, pattern: '^[^\\r\\n]*$' })
  subject!: string;

  @ApiProperty({ example: 'ご利用ありがとうございます。', maxLength: 100000, pattern: '^[\\s\\S]*$' })
  text!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

export class CreateEmailMessageDto {
  @Text(EMAIL_TO)
  to!: string;

  @Text(SUBJECT)
  subject!: string;

  @Text(EMAIL_TEXT)
  text!: string;
}

export class SmsMessageDto {
  @ApiProperty({ example: MESSAGE_EXAMPLE.messageId, description: 'our id (ULID)', ...ID })
  messageId!: string;

  @ApiProperty({ example: MESSAGE_EXAMPLE.providerSmsId, description: "the SMS service's id", ...PROVIDER_ID })
  providerMessageId!: string;

  @ApiProperty({ description: "the SMS service's status when it accepted the message", ...PROVIDER_STATUS })
  status!: string;

  @ApiProperty({ example: '+819012345678', description: 'E.164', maxLength: 16, pattern: E164.source })
  to!: string;

  @ApiProperty({ example: '認証コード: 123456', maxLength: 1600, pattern: '^[\\s\\S]*$' })
  body!: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;
}

export class CreateSmsMessageDto {
  @Text(PHONE)
  to!: string;

  @Text(SMS_BODY)
  body!: string;
}

class MessageListQuery extends PageQueryDto {
  @SortParam(MESSAGE_SORTABLE)
  sort?: string;

  @Text(STATUS_FILTER)
  status?: string;
}

export class ListEmailMessagesQuery extends MessageListQuery {
  @FieldsParam(EMAIL_FIELDS)
  fields?: string;

  @Text({ ...EMAIL_TO, optional: true, description: 'exact recipient' })
  to?: string;
}

export class ListSmsMessagesQuery extends MessageListQuery {
  @FieldsParam(SMS_FIELDS)
  fields?: string;

  @Text({ ...PHONE, optional: true, description: 'exact recipient (E.164)' })
  to?: string;
}

export class EmailFieldsQuery {
  @FieldsParam(EMAIL_FIELDS)
  fields?: string;
}

export class SmsFieldsQuery {
  @FieldsParam(SMS_FIELDS)
  fields?: string;
}
