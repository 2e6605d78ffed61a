import { createHash } from 'node:crypto';
import { ApiProperty } from '@nestjs/swagger';
import {
  WEBHOOK_EVENT_STATUSES,
  type WebhookEvent,
  type WebhookEventStatus,
} from '../entities/webhook-event.entity.js';

/** A sample event id (a ULID minted at the document's sample time). */
export const WEBHOOK_EVENT_EXAMPLE = { eventId: '01JFA2NTZRSZPYXCYYKVWTNT5N' };

export const WEBHOOK_EVENT_FIELDS = [
  'eventId',
  'source',
  'externalEventId',
  'type',
  'status',
  'attempts',
  'lastError',
  'receivedAt',
  'signedAt',
  'nextAttemptAt',
  'processedAt',
] as const;
export const WEBHOOK_EVENT_DETAIL_FIELDS = [
  ...WEBHOOK_EVENT_FIELDS,
  'receivedHeaders',
  'body',
  'bodyEncoding',
  'bodyBytes',
  'bodySha256',
] as const;
export const WEBHOOK_EVENT_SORTABLE = ['receivedAt', 'processedAt', 'attempts', 'source', 'type', 'status'] as const;

const ID = { maxLength: 40, pattern: '^[0-9A-Za-z_-]+$' };
const TEXT = { maxLength: 255, pattern: '^[\\x21-\\x7e]+$' };

const iso = (date: Date | null) => (date ? date.toISOString() : null);
// ignoreBOM keeps a leading BOM in the text: the characters shown are exactly the bytes stored.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** One inbox event as listed (no body). */
export class WebhookEventDto {
  @ApiProperty({ example: WEBHOOK_EVENT_EXAMPLE.eventId, description: 'our id (ULID)', ...ID })
  eventId!: string;

  @ApiProperty({ example: 'payment-service', maxLength: 100, pattern: '^[a-z0-9-]+$' })
  source!: string;

  @ApiProperty({
    example: 'msg_2Lh9example',
    description: "the sender's event id, the deduplication key with `source`",
    ...TEXT,
  })
  externalEventId!: string;

  @ApiProperty({ example: 'payment.succeeded', ...TEXT })
  type!: string;

  @ApiProperty({
    enum: WEBHOOK_EVENT_STATUSES,
    example: 'processed',
    description:
      'pending (stored, waiting for a worker), processing (a worker holds its lease), retrying (an attempt failed; ' +
      'see nextAttemptAt), processed, ignored (no handler for the type), dead (every attempt failed; replayable)',
  })
  status!: WebhookEventStatus;

  @ApiProperty({
    type: 'integer',
    example: 1,
    minimum: 0,
    description: 'handler attempts since it was received or last replayed',
  })
  attempts!: number;

  @ApiProperty({
    type: String,
    nullable: true,
    example: 'Error: payment pay_123 not found',
    maxLength: 2000,
    pattern: '^[\\s\\S]*$',
    description: 'the error of the last failed attempt, if any (a later success keeps it as history)',
  })
  lastError!: string | null;

  @ApiProperty({ example: '2024-12-17T10:30:00.000Z', format: 'date-time' })
  receivedAt!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    format: 'date-time',
    description: 'the timestamp the sender signed (standard, stripe)',
  })
  signedAt!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    format: 'date-time',
    description: 'when pending or retrying: earliest time of the next attempt',
  })
  nextAttemptAt!: string | null;

  @ApiProperty({ type: String, nullable: true, format: 'date-time', description: 'when processed or ignored' })
  processedAt!: string | null;

  static from(event: WebhookEvent): WebhookEventDto {
    const waiting = event.status === 'pending' || event.status === 'retrying';
    return {
      eventId: event.id,
      source: event.source,
      externalEventId: event.externalEventId,
      type: event.type,
      status: event.status,
      attempts: event.attempts,
      lastError: event.lastError,
      receivedAt: event.receivedAt.toISOString(),
      signedAt: iso(event.signedAt),
      nextAttemptAt: waiting ? iso(event.availableAt) : null,
      processedAt: iso(event.processedAt),
    };
  }
}

/**
 * One event with what was received. `body` is the raw body as text when its bytes are valid UTF-8
 * (`bodyEncoding: utf8`, the exact characters sent, never re-serialised), otherwise base64 of the bytes
 * (`bodyEncoding: base64`); `bodyBytes` and `bodySha256` describe the stored bytes either way.
 */
export class WebhookEventDetailDto extends WebhookEventDto {
  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'string', maxLength: 1024, pattern: '^[\\x20-\\x7e\\x80-\\xff]*$' },
    maxProperties: 20,
    example: { 'webhook-id': 'msg_2Lh9example', 'webhook-timestamp': '1734431400', 'content-type': 'application/json' },
    description: 'delivery headers kept with the event (ids, timestamps, event names; never signatures)',
  })
  receivedHeaders!: Record<string, string>;

  @ApiProperty({
    example: '{"id":"evt_1","type":"payment.succeeded","data":{"id":"pay_1"}}',
    maxLength: 1398104,
    pattern: '^[\\s\\S]*$',
    description: 'the raw body: UTF-8 text as received, or base64 when the bytes are not UTF-8 (see bodyEncoding)',
  })
  body!: string;

  @ApiProperty({ enum: ['utf8', 'base64'], example: 'utf8' })
  bodyEncoding!: 'utf8' | 'base64';

  @ApiProperty({ type: 'integer', example: 64, minimum: 0, description: 'length of the stored body in bytes' })
  bodyBytes!: number;

  @ApiProperty({
    example: 'a'.repeat(64),
    maxLength: 64,
    pattern: '^[0-9a-f]{64}$',
    description: 'SHA-256 of the stored bytes',
  })
  bodySha256!: string;

  static withBody(event: WebhookEvent, body: Buffer): WebhookEventDetailDto {
    let text: string | null;
    try {
      text = utf8.decode(body);
    } catch {
      text = null;
    }
    let headers: Record<string, string> = {};
    try {
      headers = JSON.parse(event.headers) as Record<string, string>;
    } catch {
      // stored by this module as JSON; an unreadable value shows as no headers
    }
    return {
      ...WebhookEventDto.from(event),
      receivedHeaders: headers,
      body: text ?? body.toString('base64'),
      bodyEncoding: text === null ? 'base64' : 'utf8',
      bodyBytes: body.length,
      bodySha256: createHash('sha256').update(body).digest('hex'),
    };
  }
}
