/**
 * Which database failures mean "the database cannot serve this request now" (answer 503 + Retry-After,
 * the client may retry) as opposed to a bug or a bad request (500 / 4xx). One place for PostgreSQL (pg,
 * pg-pool), SQLite (better-sqlite3) and TypeORM, used by the problem mapping and the readiness probe.
 */
export type DatabaseFault =
  /** The server refused, reset or closed the connection, or is shutting down / starting up. */
  | 'connection'
  /** No pooled connection became free within the acquire timeout. */
  | 'pool-timeout'
  /** The statement ran past the statement timeout (a lock wait counts) and was cancelled. */
  | 'statement-timeout'
  /** Another writer held the lock past the busy / lock timeout, or a serialisation conflict. */
  | 'busy'
  /** The storage refuses writes: disk full, I/O error, read-only. */
  | 'storage'
  /** The data source is not (or no longer) connected. */
  | 'not-connected';

interface ErrorLike {
  name?: unknown;
  code?: unknown;
  message?: unknown;
  driverError?: unknown;
  cause?: unknown;
}

const NODE_SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

// PostgreSQL SQLSTATEs (appendix A of its manual) that are about availability, not about the statement.
const PG_CODES: Record<string, DatabaseFault> = {
  '57014': 'statement-timeout', // query_canceled: statement_timeout (or a cancel request)
  '55P03': 'busy', // lock_not_available: lock_timeout
  '40001': 'busy', // serialization_failure
  '40P01': 'busy', // deadlock_detected
  '57P01': 'connection', // admin_shutdown
  '57P02': 'connection', // crash_shutdown
  '57P03': 'connection', // cannot_connect_now (starting up, recovering)
  '53300': 'connection', // too_many_connections
  '53100': 'storage', // disk_full
  '53200': 'storage', // out_of_memory
  '58030': 'storage', // io_error
  '25006': 'storage', // read_only_sql_transaction (a standby, or default_transaction_read_only)
};

const TYPEORM_NOT_CONNECTED = new Set([
  'CannotExecuteNotConnectedError',
  'ConnectionIsNotSetError',
  'CannotGetEntityManagerNotConnectedError',
]);

const MESSAGES: [RegExp, DatabaseFault][] = [
  [/timeout exceeded when trying to connect/i, 'pool-timeout'], // pg-pool's connectionTimeoutMillis
  [/Connection terminated|Connection ended unexpectedly|is not queryable/i, 'connection'], // pg client
  [/Connection is not established|Driver not Connected/i, 'not-connected'], // TypeORM
  [/database connection is not open/i, 'not-connected'], // better-sqlite3 after close()
];

function classifyOne(e: ErrorLike): DatabaseFault | undefined {
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code) {
    if (PG_CODES[code]) return PG_CODES[code];
    if (code.startsWith('08')) return 'connection'; // connection_exception class
    if (NODE_SOCKET_CODES.has(code)) return 'connection';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return 'busy';
    if (/^SQLITE_(FULL|IOERR|READONLY|CANTOPEN|NOMEM)/.test(code)) return 'storage';
  }
  if (typeof e.name === 'string' && TYPEORM_NOT_CONNECTED.has(e.name)) return 'not-connected';
  const message = typeof e.message === 'string' ? e.message : '';
  return MESSAGES.find(([pattern]) => pattern.test(message))?.[1];
}

/** The kind of availability failure `error` is (looking through TypeORM's `driverError` and `cause`), or undefined. */
export function databaseFault(error: unknown): DatabaseFault | undefined {
  let current: unknown = error;
  // TypeORM wraps the driver's error once; pg and Node may add a cause. A few levels suffice and bound a cycle.
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const e = current as ErrorLike;
    const fault = classifyOne(e);
    if (fault) return fault;
    current = e.driverError ?? e.cause;
  }
  return undefined;
}

/** Seconds a client should wait before retrying: a contended moment passes sooner than an outage. */
export function retryAfterSeconds(fault: DatabaseFault): number {
  return fault === 'statement-timeout' || fault === 'busy' || fault === 'pool-timeout' ? 1 : 5;
}
