import { isUniqueViolation, uniqueViolationField } from './unique-violation.js';

describe('uniqueViolationField (the one reading of a unique violation)', () => {
  it('names the column of a PostgreSQL 23505, wrapped by TypeORM or not', () => {
    const pg = { code: '23505', detail: 'Key (sku)=(A-1) already exists.' };
    expect(uniqueViolationField(pg)).toBe('sku');
    expect(uniqueViolationField({ name: 'QueryFailedError', driverError: pg })).toBe('sku');
  });

  it('names the column of a SQLite unique or primary key violation', () => {
    const message = 'UNIQUE constraint failed: products.sku';
    expect(uniqueViolationField({ code: 'SQLITE_CONSTRAINT_UNIQUE', message })).toBe('sku');
    expect(uniqueViolationField({ driverError: { code: 'SQLITE_CONSTRAINT_PRIMARYKEY', message: '' } })).toBe('key');
  });

  it('is undefined for any other error', () => {
    expect(uniqueViolationField(new Error('boom'))).toBeUndefined();
    expect(uniqueViolationField({ code: '23503' })).toBeUndefined();
    expect(uniqueViolationField(null)).toBeUndefined();
    expect(isUniqueViolation('23505')).toBe(false);
  });
});
