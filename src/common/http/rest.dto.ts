import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { EXAMPLE } from './openapi-examples.js';

export class EnvelopeMetaDto {
  @ApiProperty({ example: EXAMPLE.requestId, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' })
  requestId!: string;

  @ApiProperty({ example: EXAMPLE.time, format: 'date-time' })
  timestamp!: string;
}

export class PageLinksDto {
  @ApiProperty({ example: '/api/v1/users?offset=0&limit=20', format: 'uri-reference', maxLength: 2048 })
  self!: string;

  @ApiProperty({
    type: String,
    nullable: true,
    example: '/api/v1/users?offset=20&limit=20',
    format: 'uri-reference',
    maxLength: 2048,
  })
  next!: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    example: null,
    format: 'uri-reference',
    maxLength: 2048,
  })
  prev!: string | null;
}

export class ListEnvelopeMetaDto extends EnvelopeMetaDto {
  @ApiProperty({ type: 'integer', example: 0, minimum: 0 })
  offset!: number;

  @ApiProperty({ type: 'integer', example: 20, minimum: 1, maximum: 100 })
  limit!: number;

  @ApiProperty({ type: PageLinksDto })
  links!: PageLinksDto;
}

export class FieldErrorDto {
  @ApiProperty({
    description: 'the property path; an unknown property by its name as sent (control characters escaped as \\u{…})',
    example: 'email',
    maxLength: 200,
    pattern: '^[^\\u0000-\\u001F\\u007F-\\u009F\\u2028\\u2029]+$',
  })
  field!: string;

  @ApiProperty({ example: 'email must be an email', maxLength: 1000, pattern: '^.*$' })
  message!: string;

  @ApiPropertyOptional({ example: 'isEmail', maxLength: 100, pattern: '^[A-Za-z]+$' })
  code?: string;
}

/** RFC 9457 problem details, as every error is written. */
export class ProblemDto {
  @ApiProperty({
    example: 'https://nest-integration-gateway.dev/problems/validation-error',
    format: 'uri',
    maxLength: 2048,
  })
  type!: string;

  @ApiProperty({ example: 'Validation failed', maxLength: 200, pattern: '^.*$' })
  title!: string;

  @ApiProperty({ type: 'integer', format: 'int32', example: 400, minimum: 400, maximum: 599 })
  status!: number;

  @ApiPropertyOptional({ example: 'email must be an email', maxLength: 10000, pattern: '^.*$' })
  detail?: string;

  @ApiPropertyOptional({
    description: 'the request path; absent when the HTTP parser refused the request before reading it (400, 408, 431)',
    example: '/api/v1/users',
    format: 'uri-reference',
    // Node's HTTP parser reads at most 16 KiB of request line and headers: no path is longer.
    maxLength: 16384,
  })
  instance?: string;

  @ApiProperty({ example: EXAMPLE.requestId, maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' })
  requestId!: string;

  @ApiProperty({ format: 'date-time', example: EXAMPLE.time })
  timestamp!: string;

  @ApiPropertyOptional({
    type: [FieldErrorDto],
    maxItems: 100,
    description: 'each invalid field; at most 100, the rest counted in errorsOmitted',
  })
  errors?: FieldErrorDto[];

  @ApiPropertyOptional({
    description: 'how many further field errors were found beyond the 100 listed in errors (only when some were)',
    type: 'integer',
    example: 9900,
    minimum: 1,
  })
  errorsOmitted?: number;

  @ApiPropertyOptional({
    description: 'the external service concerned (upstream errors)',
    example: 'payment',
    maxLength: 50,
    pattern: '^[a-z-]+$',
  })
  integration?: string;
}
