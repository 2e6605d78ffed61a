interface DriverError {
  code?: string;
  driverError?: DriverError;
}

/** A unique-constraint violation on PostgreSQL or SQLite (TypeORM's QueryFailedError or the driver's own). */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = (error as DriverError).driverError ?? (error as DriverError);
  return e.code === '23505' || e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY';
}
