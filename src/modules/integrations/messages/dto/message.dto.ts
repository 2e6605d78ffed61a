import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { FieldsParam, PageQueryDto, SortParam } from '../../../../common/http/list-query.js';
import type { EmailMessage } from '../entities/email-message.entity.js';
import type { SmsMessage } from '../entities/sms-message.entity.js';

/** E.164: `+`, country code, subscriber number; at most 15 digits (what the SMS service requires). */
export const E164 = /^\+[1-9][0-9]{6,14}$/;
const NOT_BLANK = /\S/;
const ID = { maxLength: 40, pattern: '^[0-9A-Za-z_-]+$' } as const;
const PROVIDER_ID = { maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' } as const;
const PROVIDER_STATUS = { example: 'queued', maxLength: 32, pattern: '^[A-Za-z0-9_-]+$' } as const;

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
  @ApiProperty({ example: '01JEXAMPLE0000000000000000', description: 'our id (ULID)', ...ID })
  messageId!: string;

  @ApiProperty({ example: 'msg_01JEXAMPLE', description: "the email service's id", ...PROVIDER_ID })
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

  static from(m: EmailMessage): EmailMessageDto {
    return {
      messageId: m.id,
      providerMessageId: m.providerMessageId,
      status: m.status,
      to: m.to,
      subject: m.subject,
      text: m.text,
      createdAt: m.createdAt.toISOString(),
      updatedAt: m.updatedAt.toISOString(),
    };
  }
}

export class CreateEmailMessageDto {
  @ApiProperty({ example: 'yamada@example.com', format: 'email', maxLength: 254 })
  @IsEmail()
  @MaxLength(254)
  to!: string;

  @ApiProperty({
    example: 'お支払いが完了しました',
    minLength: 1,
    maxLength: 998,
    pattern: '^[^\\r\\n]*\\S[^\\r\\n]*$',
  })
  @IsString()
  @MaxLength(998)
  @Matches(NOT_BLANK, { message: 'subject must not be blank' })
  @Matches(/^[^\r\n]*$/, { message: 'subject must be one line' })
  subject!: string;

  @ApiProperty({ example: 'ご利用ありがとうございます。', minLength: 1, maxLength: 100000, pattern: '\\S' })
  @IsString()
  @MaxLength(100000)
  @Matches(NOT_BLANK, { message: 'text must not be blank' })
  text!: string;
}

export class SmsMessageDto {
  @ApiProperty({ example: '01JEXAMPLE0000000000000000', description: 'our id (ULID)', ...ID })
  messageId!: string;

  @ApiProperty({ example: 'sms_01JEXAMPLE', description: "the SMS service's id", ...PROVIDER_ID })
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

  static from(m: SmsMessage): SmsMessageDto {
    return {
      messageId: m.id,
      providerMessageId: m.providerMessageId,
      status: m.status,
      to: m.to,
      body: m.body,
      createdAt: m.createdAt.toISOString(),
      updatedAt: m.updatedAt.toISOString(),
    };
  }
}

export class CreateSmsMessageDto {
  @ApiProperty({ example: '+819012345678', description: 'E.164 (`+81…`)', maxLength: 16, pattern: E164.source })
  @IsString()
  @Matches(E164, { message: 'to must be an E.164 phone number such as +819012345678' })
  to!: string;

  @ApiProperty({ example: '認証コード: 123456', minLength: 1, maxLength: 1600, pattern: '\\S' })
  @IsString()
  @MaxLength(1600)
  @Matches(NOT_BLANK, { message: 'body must not be blank' })
  body!: string;
}

class MessageListQuery extends PageQueryDto {
  @SortParam(MESSAGE_SORTABLE)
  sort?: string;

  @ApiPropertyOptional({ description: 'exact provider status', ...PROVIDER_STATUS })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  status?: string;
}

export class ListEmailMessagesQuery extends MessageListQuery {
  @FieldsParam(EMAIL_FIELDS)
  fields?: string;

  @ApiPropertyOptional({
    description: 'exact recipient',
    example: 'yamada@example.com',
    maxLength: 254,
    format: 'email',
  })
  @IsOptional()
  @IsString()
  @MaxLength(254)
  to?: string;
}

export class ListSmsMessagesQuery extends MessageListQuery {
  @FieldsParam(SMS_FIELDS)
  fields?: string;

  @ApiPropertyOptional({
    description: 'exact recipient (E.164)',
    example: '+819012345678',
    maxLength: 16,
    pattern: E164.source,
  })
  @IsOptional()
  @IsString()
  @MaxLength(16)
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
