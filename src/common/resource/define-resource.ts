import { ApiProperty, PartialType } from '@nestjs/swagger';
import { Column, Entity, Index, PrimaryColumn, Unique } from 'typeorm';
import { FieldsParam, PageQueryDto, SortParam } from '../http/list-query.js';
import {
  applyBodyRules,
  applyColumn,
  applyFilterRules,
  applyResponseDoc,
  columnName,
  isIndexable,
  type Fields,
  type Values,
} from './fields.js';

/** The row of a resource: a string id (ULID), its fields, and the two timestamps. */
export type Row<F extends Fields> = { id: string; createdAt: Date; updatedAt: Date } & Values<F>;
/** What the API returns: `<name>Id`, the fields (null when absent), ISO timestamps. */
export type Representation<F extends Fields> = Record<string, unknown> & Values<F>;

export interface ResourceOptions<F extends Fields> {
  /** Singular, lower camel case: `product` (class names, `productId`, problem texts). */
  name: string;
  /** The collection's URL segment and table: `products`. */
  plural: string;
  fields: F;
  /** Sort keys besides createdAt/updatedAt (default: every field that is not long text). */
  sortable?: (keyof F & string)[];
  /** Exact-match filters (default: every field that is not long text). */
  filters?: (keyof F & string)[];
  /** Indexes of the table, as its migrations create them (documented on the entity). */
  indexes?: { name: string; columns: string[] }[];
  /**
   * The table's count is kept by the database (a migration calls `trackRowCount`, database/row-counts.ts):
   * the unfiltered list reads its `total` there instead of counting the table. For large collections.
   */
  trackedTotal?: boolean;
}

export interface ResourceDefinition<F extends Fields> {
  readonly name: string;
  readonly plural: string;
  readonly fields: F;
  readonly idName: string;
  readonly representationFields: readonly string[];
  readonly sortable: readonly string[];
  readonly filters: readonly (keyof F & string)[];
  /** See ResourceOptions.trackedTotal. */
  readonly trackedTotal: boolean;
  readonly entity: new () => Row<F>;
  readonly dto: new () => Representation<F>;
  readonly createDto: new () => Partial<Values<F>>;
  readonly replaceDto: new () => Partial<Values<F>>;
  readonly updateDto: new () => Partial<Values<F>>;
  readonly listQuery: new () => PageQueryDto & Record<string, unknown>;
  readonly fieldsQuery: new () => object;
  /** Property name of a database column (to name the field of a unique violation). */
  propertyOf(column: string): string;
  represent(row: Row<F>): Representation<F>;
}

export const pascal = (s: string): string => s[0].toUpperCase() + s.slice(1);

/** A class with a given name (Swagger names schemas by class name). */
function named<T extends abstract new () => object>(name: string, base?: T): new () => object {
  const made = base ? { [name]: class extends (base as unknown as new () => object) {} } : { [name]: class {} };
  return made[name];
}

/** The names a resource's classes and queries are made of. */
interface Naming<F extends Fields> {
  Name: string;
  idName: string;
  keys: (keyof F & string)[];
  representationFields: string[];
}

/**
 * The TypeORM entity: a string id, a column a field, the two timestamps, the table's indexes and unique
 * constraints, all as the migrations create them (test/schema-drift.e2e-spec.ts): a unique field's constraint is
 * `uq_<plural>_<column>`, and the timestamps are plain columns with no database default (the service sets both).
 */
function entityClass<F extends Fields>(options: ResourceOptions<F>, { Name, keys }: Naming<F>): new () => object {
  const entity = named(Name);
  PrimaryColumn({ type: 'varchar', length: 40 })(entity.prototype, 'id');
  for (const key of keys) applyColumn(entity.prototype, key, options.fields[key]);
  Column({ name: 'created_at', type: Date })(entity.prototype, 'createdAt');
  Column({ name: 'updated_at', type: Date })(entity.prototype, 'updatedAt');
  for (const index of options.indexes ?? []) Index(index.name, index.columns)(entity);
  for (const key of keys.filter((k) => options.fields[k].unique)) {
    Unique(`uq_${options.plural}_${columnName(key)}`, [key])(entity);
  }
  Entity({ name: options.plural })(entity);
  return entity;
}

/** The documented representation: `<name>Id`, the fields, the timestamps. */
function responseDto<F extends Fields>(fields: F, { Name, idName, keys }: Naming<F>): new () => object {
  const dto = named(`${Name}Dto`);
  // Types are given: decorators applied here have no emitted design:type to read.
  ApiProperty({
    type: String,
    example: '01JEXAMPLE0000000000000000',
    description: 'string id (ULID)',
    maxLength: 40,
    pattern: '^[0-9A-Za-z_-]+$',
  })(dto.prototype, idName);
  for (const key of keys) applyResponseDoc(dto.prototype, key, fields[key]);
  for (const stamp of ['createdAt', 'updatedAt']) {
    ApiProperty({ type: String, example: '2024-01-01T00:00:00.000Z', format: 'date-time' })(dto.prototype, stamp);
  }
  return dto;
}

/** The validated bodies of POST, PUT and PATCH. */
function bodyDtos<F extends Fields>(fields: F, { Name, keys }: Naming<F>) {
  const createDto = named(`Create${Name}Dto`);
  for (const key of keys) applyBodyRules(createDto.prototype, key, fields[key]);
  // PUT replaces the whole resource: the rules of creation; an omitted optional field is cleared.
  const replaceDto = named(`Replace${Name}Dto`, createDto);
  // PATCH (JSON merge patch): only the properties given change; null removes an optional property and
  // is refused (400) for a required one, so null is validated rather than skipped.
  const updateDto = PartialType(createDto, { skipNullProperties: false });
  Object.defineProperty(updateDto, 'name', { value: `Update${Name}Dto` });
  return { createDto, replaceDto, updateDto };
}

/** The validated queries: `fields` of GET by id; page, sort, `fields` and the filters of the list. */
function queryClasses<F extends Fields>(
  options: ResourceOptions<F>,
  { Name, representationFields }: Naming<F>,
  sortable: string[],
  filters: (keyof F & string)[],
) {
  const fieldsQuery = named(`${Name}FieldsQuery`);
  FieldsParam(representationFields)(fieldsQuery.prototype, 'fields');
  const listQuery = named(`List${pascal(options.plural)}Query`, PageQueryDto);
  FieldsParam(representationFields)(listQuery.prototype, 'fields');
  SortParam(sortable)(listQuery.prototype, 'sort');
  for (const key of filters) applyFilterRules(listQuery.prototype, key, options.fields[key]);
  return { fieldsQuery, listQuery };
}

/** Builds the entity, the DTOs and the list query of a resource from its field declarations. */
export function defineResource<F extends Fields>(options: ResourceOptions<F>): ResourceDefinition<F> {
  const { name, plural, fields } = options;
  const idName = `${name}Id`;
  const keys = Object.keys(fields) as (keyof F & string)[];
  const naming: Naming<F> = {
    Name: pascal(name),
    idName,
    keys,
    representationFields: [idName, ...keys, 'createdAt', 'updatedAt'],
  };
  const indexable = keys.filter((k) => isIndexable(fields[k]));
  const sortable = [...(options.sortable ?? indexable), 'createdAt', 'updatedAt'];
  const filters = options.filters ?? indexable;

  const entity = entityClass(options, naming);
  const dto = responseDto(fields, naming);
  const { createDto, replaceDto, updateDto } = bodyDtos(fields, naming);
  const { fieldsQuery, listQuery } = queryClasses(options, naming, sortable, filters);

  const byColumn = new Map(keys.map((k) => [columnName(k), k as string]));
  return {
    name,
    plural,
    fields,
    idName,
    representationFields: naming.representationFields,
    sortable,
    filters,
    trackedTotal: options.trackedTotal === true,
    entity: entity as new () => Row<F>,
    dto: dto as new () => Representation<F>,
    createDto: createDto as new () => Partial<Values<F>>,
    replaceDto: replaceDto as new () => Partial<Values<F>>,
    updateDto: updateDto as new () => Partial<Values<F>>,
    listQuery: listQuery as new () => PageQueryDto & Record<string, unknown>,
    fieldsQuery,
    propertyOf: (column) => byColumn.get(column) ?? column,
    represent(row) {
      const out: Record<string, unknown> = { [idName]: row.id };
      for (const key of keys) out[key] = row[key] ?? null;
      out.createdAt = row.createdAt.toISOString();
      out.updatedAt = row.updatedAt.toISOString();
      return out as Representation<F>;
    },
  };
}
