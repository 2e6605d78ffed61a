// The files of a generated resource module. Each is small: the behaviour lives in src/common/resource (the kit);
// a module holds its declarations and, later, its business rules.
import type { FieldSpec } from './field-spec.js';

export interface Names {
  plural: string;
  singular: string;
  /** `Product`, `Products`. */
  Singular: string;
  Plural: string;
  timestamp: number;
}

const pascal = (s: string) => s[0].toUpperCase() + s.slice(1);
const column = (property: string) => property.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const isText = (f: FieldSpec) => f.type === 'string' || f.type === 'text' || f.type === 'email';
/** Sortable and filterable: every field but multi-line text. */
export const indexable = (fields: FieldSpec[]) => fields.filter((f) => f.type !== 'text');

export function namesOf(plural: string, singular: string, timestamp: number): Names {
  return { plural, singular, Singular: pascal(singular), Plural: pascal(plural), timestamp };
}

function example(f: FieldSpec): string {
  const value = f.type === 'email' ? 'user@example.com' : f.type === 'text' ? `${f.name} text` : `${f.name}-1`;
  return value.slice(0, f.maxLength);
}

function declaration(f: FieldSpec): string {
  const o: string[] = [];
  if (isText(f)) {
    o.push(`maxLength: ${f.maxLength}`);
    if (f.minLength !== undefined) o.push(`minLength: ${f.minLength}`);
    if (f.type === 'text') o.push('multiline: true', 'long: true');
    if (f.type === 'email') o.push(`format: 'email'`, 'normalize: (v) => v.toLowerCase()');
    o.push(`example: ${JSON.stringify(example(f))}`);
  } else {
    if (f.type === 'long') o.push('bits: 64');
    if (f.min !== undefined) o.push(`min: ${f.min}`);
    if (f.max !== undefined) o.push(`max: ${f.max}`);
  }
  if (f.unique) o.push('unique: true');
  if (f.optional) o.push('optional: true');
  return `    ${f.name}: ${isText(f) ? 'text' : 'int'}({ ${o.join(', ')} }),`;
}

const indexName = (n: Names, property: string) => `ix_${n.plural}_${column(property)}_id`;
/** An index per sort and filter key, each ending with the id tie-breaker; a unique field has its own. */
const indexKeys = (fields: FieldSpec[]) => [
  ...indexable(fields)
    .filter((f) => !f.unique)
    .map((f) => f.name),
  'createdAt',
  'updatedAt',
];

export function resourceFile(n: Names, fields: FieldSpec[]): string {
  const kinds = [...new Set(fields.map((f) => (isText(f) ? 'text' : 'int')))].sort().join(', ');
  const indexes = indexKeys(fields)
    .map((k) => `    { name: '${indexName(n, k)}', columns: ['${k}', 'id'] },`)
    .join('\n');
  return `import { defineResource } from '../../common/resource/define-resource.js';
import { ${kinds} } from '../../common/resource/fields.js';

/** The ${n.singular} resource: one declaration per field gives its column, body and filter rules and OpenAPI. */
export const ${n.plural}Resource = defineResource({
  name: '${n.singular}',
  plural: '${n.plural}',
  fields: {
${fields.map(declaration).join('\n')}
  },
  // As the migration creates them: every sort and filter key with the id tie-breaker.
  indexes: [
${indexes}
  ],
});

export const ${n.Singular} = ${n.plural}Resource.entity;
export type ${n.Singular} = InstanceType<typeof ${n.Singular}>;
`;
}

export function scopesFile(n: Names): string {
  return `/** The OAuth scopes of ${n.plural}: granted by the token endpoint, listed in the document (the module's manifest). */
export const ${n.plural.toUpperCase()}_SCOPES = {
  '${n.plural}:read': 'read ${n.plural}',
  '${n.plural}:write': 'create, update and delete ${n.plural}',
} as const;

// Makes \`@Auth('${n.plural}:read')\` type-check without editing the auth module.
declare module '../auth/scopes.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- an augmentation adds members by extending
  interface ModuleScopes extends Record<keyof typeof ${n.plural.toUpperCase()}_SCOPES, true> {}
}
`;
}

export function serviceFile(n: Names): string {
  return `import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { ResourceService } from '../../common/resource/resource.service.js';
import { ${n.Singular}, ${n.plural}Resource } from './${n.plural}.resource.js';

/** List, get, create, PUT, merge-patch and delete from the kit; business rules go here (override or add). */
@Injectable()
export class ${n.Plural}Service extends ResourceService<typeof ${n.plural}Resource.fields> {
  constructor(@InjectRepository(${n.Singular}) repository: Repository<${n.Singular}>) {
    super(repository, ${n.plural}Resource);
  }
}
`;
}

export function controllerFile(n: Names): string {
  return `import { Controller } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { resourceController } from '../../common/resource/resource.controller.js';
import { Auth } from '../auth/index.js';
import { ${n.Plural}Service } from './${n.plural}.service.js';
import { ${n.plural}Resource } from './${n.plural}.resource.js';
import './${n.plural}.scopes.js';

@ApiTags('${n.plural}')
@Controller({ path: '${n.plural}', version: '1' })
export class ${n.Plural}Controller extends resourceController(${n.plural}Resource, {
  read: Auth('${n.plural}:read'),
  write: Auth('${n.plural}:write'),
}) {
  constructor(service: ${n.Plural}Service) {
    super(service);
  }
}
`;
}

export function moduleFile(n: Names): string {
  const migration = `Create${n.Plural}${n.timestamp}`;
  return `import { FeatureModule } from '../../common/resource/module-manifest.js';
import { ${migration} } from './migrations/${n.timestamp}-create-${n.plural}.js';
import { ${n.Plural}Controller } from './${n.plural}.controller.js';
import { ${n.Singular} } from './${n.plural}.resource.js';
import { ${n.plural.toUpperCase()}_SCOPES } from './${n.plural}.scopes.js';
import { ${n.Plural}Service } from './${n.plural}.service.js';

/** Registers itself: importing this file (one line in app.module.ts) adds the module, its table and scopes. */
@FeatureModule({
  manifest: { entities: [${n.Singular}], migrations: [${migration}], scopes: ${n.plural.toUpperCase()}_SCOPES },
  controllers: [${n.Plural}Controller],
  providers: [${n.Plural}Service],
  exports: [${n.Plural}Service],
})
export class ${n.Plural}Module {}
`;
}

function columnSource(f: FieldSpec): string {
  const parts = [`name: '${column(f.name)}'`];
  if (f.type === 'text') parts.push(`type: 'text'`);
  else if (isText(f)) parts.push(`type: 'varchar'`, `length: '${f.maxLength}'`);
  else parts.push(`type: '${f.type === 'int' ? 'integer' : 'bigint'}'`);
  if (f.optional) parts.push('isNullable: true');
  return `          { ${parts.join(', ')} },`;
}

export function migrationFile(n: Names, fields: FieldSpec[]): string {
  const name = `Create${n.Plural}${n.timestamp}`;
  const uniques = fields
    .filter((f) => f.unique)
    .map((f) => `{ name: 'uq_${n.plural}_${column(f.name)}', columnNames: ['${column(f.name)}'] }`);
  const indexes = indexKeys(fields).map(
    (k) => `        new TableIndex({ name: '${indexName(n, k)}', columnNames: ['${column(k)}', 'id'] }),`,
  );
  return `import { Table, TableIndex, type MigrationInterface, type QueryRunner } from 'typeorm';
import { idColumn, timestamps } from '../../../../migrations/helpers.js';

/** The ${n.plural} table as generated (a later change is a new migration; this one stays as it ran). */
export class ${name} implements MigrationInterface {
  name = '${name}';

  async up(runner: QueryRunner): Promise<void> {
    await runner.createTable(
      new Table({
        name: '${n.plural}',
        columns: [
          idColumn(),
${fields.map(columnSource).join('\n')}
          ...timestamps(runner),
        ],
        uniques: [${uniques.join(', ')}],
        indices: [
${indexes.join('\n')}
        ],
      }),
    );
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.dropTable('${n.plural}');
  }
}
`;
}

/** A TypeScript expression of a valid value of `f` for sample `i` (0..99), ordered by i, distinct per i. */
function sampleValue(f: FieldSpec): string {
  if (f.type === 'email') return '`user${pad(i)}@example.com`';
  if (f.type === 'string' || f.type === 'text') {
    const prefix = f.name.slice(0, Math.max(0, (f.maxLength ?? 0) - 4));
    const text = prefix ? `\`${prefix}-\${pad(i)}\`` : `pad(i).slice(-${f.maxLength})`;
    return f.minLength && f.minLength > 4 ? `${text}.padEnd(${f.minLength}, 'x')` : text;
  }
  const value = f.min ? `${f.min} + i` : 'i';
  return f.max !== undefined ? `Math.min(${value}, ${f.max})` : value;
}

export function samplesFile(n: Names, fields: FieldSpec[]): string {
  return `// Valid ${n.plural} for the specs: sample(i) differs in every field and sorts by i.
const pad = (i: number) => String(i).padStart(3, '0');

export const sample = (i: number) => ({
${fields.map((f) => `  ${f.name}: ${sampleValue(f)},`).join('\n')}
});
`;
}

export function e2eSpecFile(n: Names, fields: FieldSpec[]): string {
  const list = (fs: FieldSpec[]) => fs.map((f) => `'${f.name}'`).join(', ');
  const unique = fields.filter((f) => f.unique);
  const optional = fields.filter((f) => f.optional);
  return `import { describeResourceConventions } from '../../../test/support/resource-conventions.js';
import { sample } from './${n.plural}.samples.js';

describeResourceConventions({
  path: '/api/v1/${n.plural}',
  idName: '${n.singular}Id',
  scopes: { read: '${n.plural}:read', write: '${n.plural}:write' },
  sample,
  sortable: [${list(indexable(fields))}, 'createdAt', 'updatedAt'],
  filters: [${list(indexable(fields))}],
  unique: [${list(unique)}],
  optional: [${list(optional)}],
});
`;
}

export function unitSpecFile(n: Names, fields: FieldSpec[]): string {
  return `import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { ${n.plural}Resource } from './${n.plural}.resource.js';
import { sample } from './${n.plural}.samples.js';

const errorsOf = async (body: object) =>
  (await validate(plainToInstance(${n.plural}Resource.createDto, body), { whitelist: true, forbidNonWhitelisted: true })).map(
    (e) => e.property,
  );

describe('${n.plural} declarations', () => {
  it('a sample is a valid creation body', async () => {
    expect(await errorsOf(sample(1))).toEqual([]);
  });

  it.each([${fields.map((f) => `'${f.name}'`).join(', ')}])('%s: a value of the wrong type is refused', async (key) => {
    const body: Record<string, unknown> = sample(1);
    body[key] = typeof body[key] === 'number' ? 'not a number' : 12;
    expect(await errorsOf(body)).toEqual([key]);
  });

  it('the representation names the id, the fields and the timestamps', () => {
    expect(${n.plural}Resource.representationFields).toEqual([
      '${n.singular}Id',
${fields.map((f) => `      '${f.name}',`).join('\n')}
      'createdAt',
      'updatedAt',
    ]);
  });
});
`;
}
