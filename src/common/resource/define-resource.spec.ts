import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { getMetadataArgsStorage } from 'typeorm';
import { defineResource } from './define-resource.js';
import { int, text } from './fields.js';

const things = defineResource({
  name: 'thing',
  plural: 'things',
  fields: {
    title: text({ maxLength: 20 }),
    count: int({ min: 0 }),
    big: int({ bits: 64, optional: true }),
    note: text({ maxLength: 50, multiline: true, long: true, optional: true }),
  },
});

const errors = async (dto: new () => object, body: object) =>
  (await validate(plainToInstance(dto, body), { whitelist: true, forbidNonWhitelisted: true })).map((e) => e.property);

describe('defineResource (one declaration per field)', () => {
  it('columns: varchar(n), integer, bigint, text; nullable when optional; snake-case names', () => {
    const columns = getMetadataArgsStorage().columns.filter((c) => c.target === things.entity);
    const byName = Object.fromEntries(columns.map((c) => [c.propertyName, c.options]));
    expect(byName.title).toMatchObject({ name: 'title', type: 'varchar', length: 20, nullable: false });
    expect(byName.count).toMatchObject({ type: 'integer', nullable: false });
    expect(byName.big).toMatchObject({ type: 'bigint', nullable: true });
    expect(byName.note).toMatchObject({ type: 'text', nullable: true });
  });

  it('an integer is bounded by its column: int32 up to 2^31-1, int64 within the safe range', async () => {
    const ok = { title: 't', count: 2_147_483_647, big: Number.MAX_SAFE_INTEGER };
    expect(await errors(things.createDto, ok)).toEqual([]);
    expect(await errors(things.createDto, { ...ok, count: 2_147_483_648 })).toEqual(['count']);
    expect(await errors(things.createDto, { ...ok, count: -1 })).toEqual(['count']);
    expect(await errors(things.createDto, { ...ok, big: Number.MAX_SAFE_INTEGER + 2 })).toEqual(['big']);
    expect(await errors(things.createDto, { ...ok, count: 1.5 })).toEqual(['count']);
  });

  it('PATCH: null removes an optional field and is refused for a required one; absent is fine', async () => {
    expect(await errors(things.updateDto, {})).toEqual([]);
    expect(await errors(things.updateDto, { note: null, big: null })).toEqual([]);
    expect(await errors(things.updateDto, { title: null })).toEqual(['title']);
  });

  it('the list query: filters with the field rules (integers parsed strictly), sort keys, fields', async () => {
    const query = (q: Record<string, string>) => errors(things.listQuery, q);
    expect(await query({ count: '5', title: 'x', sort: '-count,createdAt', fields: 'thingId,title' })).toEqual([]);
    expect(await query({ count: '0x10' })).toEqual(['count']);
    expect(await query({ count: '-1' })).toEqual(['count']);
    expect(await query({ note: 'x' })).toEqual(['note']);
    expect(await query({ sort: 'note' })).toEqual(['sort']);
    expect(things.representationFields).toEqual(['thingId', 'title', 'count', 'big', 'note', 'createdAt', 'updatedAt']);
  });
});
