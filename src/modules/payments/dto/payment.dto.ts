import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { FieldsParam, PageQueryDto, SortParam } from '../../../common/http/list-query.js';
import { Text, type TextOptions } from '../../../common/http/text-field.js';
import { PAYMENT_STATUSES, type Payment, type PaymentStatus } from '../entities/payment.entity.js';
import { EXAMPLE } from '../../../common/http/openapi-examples.js';

/** Sample ids of a payment (ULIDs minted at the document's sample time), ours and the payment service's. */
export const PAYMENT_EXAMPLE = {
  paymentId: '01JFA2NS18GQ90KJKHPTY7YM4Q',
  providerPaymentId: 'pay_01JFA2NVZ0GASR340FVCDDCBAE',
};

/** The payment service's own limit (minor units). */
export const MAX_AMOUNT = 99_999_999_999;
export const PAYMENT_FIELDS = [
  'paymentId',
  'userId',
  'amount',
  'currency',
  'status',
  'providerPaymentId',
  'idempotencyKey',
  'createdAt',
  'updatedAt',
  'settledAt',
  'lastEventAt',
] as const;
export const PAYMENT_SORTABLE = ['createdAt', 'updatedAt', 'amount', 'status', 'settledAt'] as const;

const ID = { maxLength: 40, pattern: '^[0-9A-Za-z_-]+$' } as const;
/** The field rules of a payment, shared by the body and the list filter. */
const USER_ID: TextOptions = {
  maxLength: 40,
  pattern: /^[0-9A-Za-z_-]+$/,
  patternMessage: 'userId must be a user id (letters, digits, _ and -)',
  example: EXAMPLE.id,
};

export class PaymentDto {
  @ApiProperty({ example: PAYMENT_EXAMPLE.paymentId, description: 'our id (ULID)', ...ID })
  paymentId!: string;

  @ApiProperty({ example: EXAMPLE.id, ...ID })
  userId!: string;

  @ApiProperty({
    type: 'integer',
    example: 1200,
    description: 'minor units of the currency',
    minimum: 1,
    maximum: MAX_AMOUNT,
    format: 'int64',
  })
  amount!: number;

  @ApiProperty({ example: 'JPY', description: 'ISO 4217 code', minLength: 3, maxLength: 3, pattern: '^[A-Z]{3}$' })
  currency!: string;

  @ApiProperty({ enum: PAYMENT_STATUSES, description: 'pending until the payment webhook settles it' })
  status!: PaymentStatus;

  @ApiProperty({
    example: PAYMENT_EXAMPLE.providerPaymentId,
    description: "the payment service's id",
    maxLength: 64,
    pattern: '^pay_[A-Za-z0-9_-]+$',
  })
  providerPaymentId!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'the Idempotency-Key the payment was created with',
    example: EXAMPLE.idempotencyKey,
    maxLength: 255,
    pattern: '^[\\x21-\\x7E]+$',
  })
  idempotencyKey!: string | null;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  @ApiProperty({ type: String, nullable: true, format: 'date-time', description: 'when it succeeded or failed' })
  settledAt!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    format: 'date-time',
    description: 'time of the newest webhook event applied',
  })
  lastEventAt!: string | null;

  static from(p: Payment): PaymentDto {
    return {
      paymentId: p.id,
      userId: p.userId,
      amount: p.amount,
      currency: p.currency,
      status: p.status,
      providerPaymentId: p.providerPaymentId ?? '',
      idempotencyKey: p.idempotencyKey,
      createdAt: p.createdAt.toISOString(),
      updatedAt: p.updatedAt.toISOString(),
      settledAt: p.settledAt?.toISOString() ?? null,
      lastEventAt: p.lastEventAt?.toISOString() ?? null,
    };
  }
}

export class CreatePaymentDto {
  @Text({ ...USER_ID, description: 'the id of an existing user (as `POST /api/v1/users` answers it; 422 otherwise)' })
  userId!: string;

  @ApiProperty({
    type: 'integer',
    example: 1200,
    description: 'positive integer in minor units (1200 JPY, 1999 = 19.99 USD)',
    minimum: 1,
    maximum: MAX_AMOUNT,
    format: 'int64',
  })
  @IsInt()
  @Min(1)
  @Max(MAX_AMOUNT)
  amount!: number;

  @Text({
    maxLength: 3,
    minLength: 3,
    pattern: /^[A-Z]{3}$/,
    patternMessage: 'currency must be an ISO 4217 code (3 upper-case letters)',
    example: 'JPY',
    description: 'ISO 4217 alphabetic code',
  })
  currency!: string;
}

export class ListPaymentsQuery extends PageQueryDto {
  @FieldsParam(PAYMENT_FIELDS)
  fields?: string;

  @SortParam(PAYMENT_SORTABLE)
  sort?: string;

  @Text({ ...USER_ID, optional: true, description: 'payments of this user' })
  userId?: string;

  @ApiPropertyOptional({ enum: PAYMENT_STATUSES })
  @IsOptional()
  @IsIn(PAYMENT_STATUSES)
  status?: PaymentStatus;
}

export class PaymentFieldsQuery {
  @FieldsParam(PAYMENT_FIELDS)
  fields?: string;
}
