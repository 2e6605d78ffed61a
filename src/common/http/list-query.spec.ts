import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { DEFAULT_LIMIT, FieldsParam, MAX_LIMIT, MAX_OFFSET, PageQueryDto, parseSort, SortParam } from './list-query.js';

class Query extends PageQueryDto {
  @FieldsParam(['userId', 'name', 'email'])
  fields?: string;

  @SortParam(['name', 'createdAt'])
  sort?: string;
}

/** What the validation pipe sees: the query as strings, transformed, then validated. */
function check(query: Record<string, string>) {
  const dto = plainToInstance(Query, query);
  const errors = validateSync(dto).flatMap((e) => Object.values(e.constraints ?? {}).map((m) => [e.property, m]));
  return { dto, errors };
}

describe('PageQueryDto', () => {
  it('defaults offset and limit', () => {
    const { dto, errors } = check({});
    expect(errors).toEqual([]);
    expect([dto.offset, dto.limit]).toEqual([0, DEFAULT_LIMIT]);
  });

  it('takes base-10 integers within the bounds', () => {
    const { dto, errors } = check({ offset: String(MAX_OFFSET), limit: String(MAX_LIMIT) });
    expect(errors).toEqual([]);
    expect([dto.offset, dto.limit]).toEqual([MAX_OFFSET, MAX_LIMIT]);
  });

  it.each(['0x10', '1e2', '+5', ' 1', '', '1.5', 'ten'])(
    'refuses %j as a number (not what Number() would read)',
    (v) => {
      const { dto, errors } = check({ limit: v });
      expect(dto.limit).toBeNaN();
      expect(errors).toContainEqual(['limit', 'limit must be an integer number']);
      expect(new Set(errors.map(([p]) => p))).toEqual(new Set(['limit']));
    },
  );

  it('refuses values out of range', () => {
    expect(check({ offset: '-1', limit: '0' }).errors.map(([p]) => p)).toEqual(['offset', 'limit']);
    expect(check({ offset: String(MAX_OFFSET + 1), limit: String(MAX_LIMIT + 1) }).errors.map(([p]) => p)).toEqual([
      'offset',
      'limit',
    ]);
  });
});

describe('fields', () => {
  it('accepts a list of known names', () => {
    expect(check({ fields: 'userId,email' }).errors).toEqual([]);
  });

  it('names the unknown ones, exactly as given (nothing trimmed), and lists the allowed', () => {
    const { errors } = check({ fields: 'name, email,secret' });
    expect(errors).toEqual([['fields', 'fields has unknown name(s)  email, secret; allowed: userId, name, email']]);
  });

  it('escapes what could forge a log line in a quoted name', () => {
    expect(check({ fields: 'a\nb' }).errors[0][1]).toContain('a\\u{a}b');
  });

  it('refuses an empty name and says so', () => {
    expect(check({ fields: 'name,' }).errors).toHaveLength(1);
    expect(check({ fields: '' }).errors).toEqual([
      ['fields', 'fields has unknown name(s) (empty); allowed: userId, name, email'],
    ]);
  });

  it('quotes at most five bad names and counts the rest', () => {
    const bad = Array.from({ length: 8 }, (_, i) => `x${i}`).join(',');
    expect(check({ fields: bad }).errors[0][1]).toContain('… (3 more)');
  });
});

describe('sort', () => {
  it('accepts known keys, each optionally descending', () => {
    expect(check({ sort: 'name,-createdAt' }).errors).toEqual([]);
  });

  it('names unknown keys and what sort accepts', () => {
    expect(check({ sort: '-email' }).errors).toEqual([
      ['sort', 'unknown sort key(s) -email; sort accepts name, createdAt (prefix - for descending)'],
    ]);
  });
});

describe('parseSort', () => {
  it('maps keys to directions in the order given', () => {
    const order = parseSort('-createdAt,name', { name: 'ASC' });
    expect(order).toEqual({ createdAt: 'DESC', name: 'ASC' });
    expect(Object.keys(order)).toEqual(['createdAt', 'name']);
  });

  it('falls back to the default order without a sort', () => {
    const fallback = { createdAt: 'DESC' } as const;
    expect(parseSort(undefined, fallback)).toBe(fallback);
    expect(parseSort('', fallback)).toBe(fallback);
  });
});
