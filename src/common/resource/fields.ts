import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { Column, type ColumnOptions } from 'typeorm';
import { DecimalInteger } from '../http/list-query.js';
import { Text, textPattern, type TextOptions } from '../http/text-field.js';

/**
 * One declaration per field of a resource. From it the kit derives the TypeORM column, the body rules
 * (class-validator through the API's one string rule, `@Text`), the list filter and the OpenAPI schema, so
 * the column, the validation and the document cannot disagree: an integer is `type: integer` with the
 * bounds of its column (int32 or int64 within JavaScript's safe range), so a value the database would
 * refuse (a 500 on PostgreSQL) is a 400 first.
 */
export interface FieldBase<T, O extends boolean> {
  readonly optional: O;
  readonly unique: boolean;
  readonly description?: string;
  /** Phantom: the TypeScript type of the value. */
  readonly value?: T;
}

export interface TextField<O extends boolean = boolean> extends FieldBase<string, O> {
  readonly kind: 'text';
  readonly rules: Omit<TextOptions, 'optional' | 'description'>;
  /** A `text` column (no length in the database) rather than `varchar(maxLength)`. */
  readonly long: boolean;
  /** Applied before a value is stored or compared (e.g. lower-case e-mail addresses). */
  readonly normalize?: (value: string) => string;
}

export interface IntField<O extends boolean = boolean> extends FieldBase<number, O> {
  readonly kind: 'int';
  readonly bits: 32 | 64;
  readonly min: number;
  readonly max: number;
  readonly example?: number;
}

export type Field<O extends boolean = boolean> = TextField<O> | IntField<O>;
export type Fields = Record<string, Field>;

/** The value a field holds in an entity and a representation (null when an optional one is absent). */
type Plain<F> = F extends { kind: 'text' } ? string : number;
export type ValueOf<F> = F extends { optional: false } ? Plain<F> : Plain<F> | null;
export type Values<F extends Fields> = { -readonly [K in keyof F]: ValueOf<F[K]> };

interface Common {
  optional?: boolean;
  unique?: boolean;
  description?: string;
}

type TextSpec = Omit<TextOptions, 'optional' | 'description'> &
  Common & { long?: boolean; normalize?: (value: string) => string };

// Overloads rather than a generic: a generic `optional` would be inferred from the context (`Field`) as boolean.
export function text(options: TextSpec & { optional: true }): TextField<true>;
export function text(options: TextSpec & { optional?: false }): TextField<false>;
export function text(options: TextSpec): TextField {
  const { optional, unique, description, long, normalize, ...rules } = options;
  return {
    kind: 'text',
    optional: optional ?? false,
    unique: unique ?? false,
    description,
    rules,
    long: long ?? false,
    normalize,
  };
}

const INT_RANGE = { 32: [-2_147_483_648, 2_147_483_647], 64: [-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER] };

type IntSpec = Common & { min?: number; max?: number; bits?: 32 | 64; example?: number };

export function int(options: IntSpec & { optional: true }): IntField<true>;
export function int(options?: IntSpec & { optional?: false }): IntField<false>;
export function int(options: IntSpec = {}): IntField {
  const bits = options.bits ?? 32;
  const [lowest, highest] = INT_RANGE[bits];
  const min = Math.max(options.min ?? lowest, lowest);
  const max = Math.min(options.max ?? highest, highest);
  if (min > max) throw new Error(`int field: min ${min} is greater than max ${max}`);
  return {
    kind: 'int',
    optional: options.optional ?? false,
    unique: options.unique ?? false,
    description: options.description,
    bits,
    min,
    max,
    example: options.example,
  };
}

/** `priceYen` → `price_yen`: column names follow the schema's snake case. */
export const columnName = (property: string): string => property.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** A field compared by equality in lists and sorted: not long text. */
export const isIndexable = (field: Field): boolean => field.kind === 'int' || !field.long;

export function applyColumn(target: object, key: string, field: Field): void {
  // A unique field's constraint is the entity's, named as its migration names it (define-resource.ts).
  const common: ColumnOptions = { name: columnName(key), nullable: field.optional };
  if (field.kind === 'text') {
    Column(field.long ? { ...common, type: 'text' } : { ...common, type: 'varchar', length: field.rules.maxLength })(
      target,
      key,
    );
  } else if (field.bits === 32) {
    Column({ ...common, type: 'integer' })(target, key);
  } else {
    // node-postgres returns int8 as a string (it may exceed 2^53); the field's bounds keep it within.
    const toNumber = (v: unknown) => (v === null || v === undefined ? v : Number(v));
    Column({ ...common, type: 'bigint', transformer: { to: (v: unknown) => v, from: toNumber } })(target, key);
  }
}

function intDoc(field: IntField, description?: string): ApiPropertyOptions {
  return {
    type: 'integer',
    format: field.bits === 32 ? 'int32' : 'int64',
    minimum: field.min,
    maximum: field.max,
    example: field.example ?? Math.max(field.min, Math.min(field.max, 1000)),
    description,
  };
}

function intRules(target: object, key: string, field: IntField): void {
  IsInt()(target, key);
  Min(field.min)(target, key);
  Max(field.max)(target, key);
}

/** A body property: required unless the field is optional (then null or absent clear it). */
export function applyBodyRules(target: object, key: string, field: Field): void {
  if (field.kind === 'text') {
    Text({ ...field.rules, optional: field.optional, description: field.description })(target, key);
    return;
  }
  (field.optional ? ApiPropertyOptional : ApiProperty)(intDoc(field, field.description))(target, key);
  if (field.optional) IsOptional()(target, key);
  intRules(target, key, field);
}

/** A list filter (`?sku=…`): exact match, with the body rules of the field, so an impossible value is a 400. */
export function applyFilterRules(target: object, key: string, field: Field): void {
  const description = `exact ${key}`;
  if (field.kind === 'text') {
    Text({ ...field.rules, optional: true, description })(target, key);
    return;
  }
  ApiPropertyOptional(intDoc(field, description))(target, key);
  IsOptional()(target, key);
  DecimalInteger()(target, key);
  intRules(target, key, field);
}

/** The property of a representation, as documented (nullable when the field is optional). */
export function applyResponseDoc(target: object, key: string, field: Field): void {
  const nullable = field.optional ? { nullable: true } : {};
  if (field.kind === 'int') {
    ApiProperty({ ...intDoc(field, field.description), ...nullable })(target, key);
    return;
  }
  const { rules } = field;
  ApiProperty({
    type: String,
    maxLength: rules.maxLength,
    pattern: rules.pattern?.source ?? textPattern(rules.multiline ?? false, false),
    format: rules.format,
    example: rules.example,
    description: field.description,
    ...nullable,
  })(target, key);
}
