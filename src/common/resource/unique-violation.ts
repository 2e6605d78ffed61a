/**
 * The one reading of a unique-constraint violation, for PostgreSQL (SQLSTATE 23505) and SQLite (extended
 * result codes), whether TypeORM wrapped the driver's error (QueryFailedError.driverError) or not.
 */
interface DriverError {
  code?: string;
  detail?: string;
  message?: string;
  driverError?: DriverError;
}

const SQLITE_UNIQUE = new Set(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY']);

/** The column a unique violation names (`key` when the driver does not say), or undefined for any other error. */
export function uniqueViolationField(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const e = (error as DriverError).driverError ?? (error as DriverError);
  if (e.code === '23505') return /\(([^)]+)\)=/.exec(e.detail ?? '')?.[1] ?? 'key';
  if (e.code && SQLITE_UNIQUE.has(e.code)) {
    return /UNIQUE constraint failed: \w+\.(\w+)/.exec(e.message ?? '')?.[1] ?? 'key';
  }
  return undefined;
}

export function isUniqueViolation(error: unknown): boolean {
  return uniqueViolationField(error) !== undefined;
}
