import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min, registerDecorator, type ValidationArguments } from 'class-validator';
import { quote } from './text-field.js';

export const DEFAULT_LIMIT = 20;
export const MAX_LIMIT = 100;
/** The largest `offset` (a 32-bit signed integer): beyond it the databases refuse the OFFSET clause. */
export const MAX_OFFSET = 2_147_483_647;

/** One page of a collection: renderRestResponse turns it into `data`, `total` and paging metadata. */
export class Page<T> {
  constructor(
    readonly items: T[],
    readonly total: number,
    readonly offset: number,
    readonly limit: number,
  ) {}
}

/**
 * The names of a comma list, exactly as given: nothing is trimmed, so ` name` or a BOM before a name is an
 * unknown name (400) rather than silently read as `name`; the documented pattern allows no space either.
 */
function commaList(value: unknown): string[] | undefined {
  return typeof value === 'string' ? value.split(',') : undefined;
}

/** The bad names as quoted in a message: a few, each quoted and bounded (they come from the client). */
const named = (names: string[]) =>
  names
    .slice(0, 5)
    .map((n) => quote(n, 40))
    .join(', ') + (names.length > 5 ? `, … (${names.length - 5} more)` : '');

/** `fields=a,b`: every name must be one of `allowed`; the message lists them. */
export function IsFieldList(allowed: readonly string[]): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isFieldList',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) => {
          const names = commaList(value);
          return !!names && names.length > 0 && names.every((n) => allowed.includes(n));
        },
        defaultMessage: (args?: ValidationArguments) => {
          const bad = (commaList(args?.value) ?? []).filter((n) => !allowed.includes(n));
          return `fields has unknown name(s) ${named(bad) || '(empty)'}; allowed: ${allowed.join(', ')}`;
        },
      },
    });
}

/** `sort=name,-createdAt`: every key (minus an optional `-`) must be sortable. */
export function IsSortList(allowed: readonly string[]): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isSortList',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) => {
          const keys = commaList(value);
          return !!keys && keys.length > 0 && keys.every((k) => allowed.includes(k.replace(/^-/, '')));
        },
        defaultMessage: (args) => {
          const bad = (commaList(args?.value) ?? []).filter((k) => !allowed.includes(k.replace(/^-/, '')));
          const unknown = bad.length > 0 ? `unknown sort key(s) ${named(bad)}; ` : '';
          return `${unknown}sort accepts ${allowed.join(', ')} (prefix - for descending)`;
        },
      },
    });
}

/**
 * A query parameter as a base-10 integer, or NaN (then @IsInt refuses it): `Number()` alone would take
 * `0x10`, `1e2`, `+5`, ` 1` and an empty value as numbers.
 */
export function DecimalInteger(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' && /^-?\d{1,30}$/.test(value) ? Number(value) : Number.NaN,
  );
}

export class PageQueryDto {
  @ApiPropertyOptional({
    description: '0-based index of the first item',
    minimum: 0,
    maximum: MAX_OFFSET,
    default: 0,
    type: 'integer',
  })
  @IsOptional()
  @DecimalInteger()
  @IsInt()
  @Min(0)
  @Max(MAX_OFFSET)
  offset: number = 0;

  @ApiPropertyOptional({
    description: 'page size',
    minimum: 1,
    maximum: MAX_LIMIT,
    default: DEFAULT_LIMIT,
    type: 'integer',
  })
  @IsOptional()
  @DecimalInteger()
  @IsInt()
  @Min(1)
  @Max(MAX_LIMIT)
  limit: number = DEFAULT_LIMIT;
}

/** `sort=name,-createdAt` → `{ name: 'ASC', createdAt: 'DESC' }`, with a default order. */
export function parseSort(
  sort: string | undefined,
  fallback: Record<string, 'ASC' | 'DESC'>,
): Record<string, 'ASC' | 'DESC'> {
  if (!sort) return fallback;
  const order: Record<string, 'ASC' | 'DESC'> = {};
  for (const key of sort.split(',')) {
    if (key.startsWith('-')) order[key.slice(1)] = 'DESC';
    else order[key] = 'ASC';
  }
  return order;
}

/** Optional free-text `fields` parameter, documented once. */
export function FieldsParam(allowed: readonly string[]): PropertyDecorator {
  return (target, key) => {
    ApiPropertyOptional({
      description: `comma-separated subset of: ${allowed.join(', ')}; each item (or the resource) then has only these properties`,
      example: allowed.slice(0, 2).join(','),
      type: String,
      maxLength: 500,
      pattern: '^[A-Za-z0-9]+(,[A-Za-z0-9]+)*$',
    })(target, key);
    IsOptional()(target, key);
    IsString()(target, key);
    IsFieldList(allowed)(target, key);
  };
}

export function SortParam(allowed: readonly string[]): PropertyDecorator {
  return (target, key) => {
    ApiPropertyOptional({
      description: `comma-separated keys of: ${allowed.join(', ')}; prefix - for descending`,
      example: `-${allowed[0]}`,
      type: String,
      maxLength: 500,
      pattern: '^-?[A-Za-z0-9]+(,-?[A-Za-z0-9]+)*$',
    })(target, key);
    IsOptional()(target, key);
    IsString()(target, key);
    IsSortList(allowed)(target, key);
  };
}
