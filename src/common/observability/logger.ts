import pino, { type Logger } from 'pino';

const REDACT = [
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  'headers["webhook-signature"]',
  'headers["stripe-signature"]',
  'headers["x-hub-signature-256"]',
  '*.password',
  '*.secret',
  '*.clientSecret',
  '*.client_secret',
  '*.access_token',
  '*.accessToken',
  '*.apiKey',
  '*.authorization',
];

/** The one pino logger of the process: JSON lines, secrets redacted. */
export function createRootLogger(level: string): Logger {
  return pino({ level, redact: { paths: REDACT, censor: '[redacted]' }, base: { pid: process.pid } });
}

let accessDestination: ReturnType<typeof pino.destination> | null = null;

/** Standard output, buffered: one destination per process however many apps it builds (tests). */
function bufferedStdout(): ReturnType<typeof pino.destination> {
  if (accessDestination) return accessDestination;
  // One write(2) per ~4 KiB of lines instead of one per request, made synchronously: sonic-boom's
  // asynchronous mode measured 2.3 µs per line against 0.8 µs (a thread-pool write and its callback
  // for every flush). Flushed every second, so a quiet server's lines still show promptly, and on
  // exit; at most the last second of access log is lost if the process is killed.
  const destination = pino.destination({ dest: 1, sync: true, minLength: 4096 });
  setInterval(() => destination.flushSync(), 1000).unref();
  process.once('exit', () => destination.flushSync());
  accessDestination = destination;
  return destination;
}

/**
 * The access log: one line per request with fields this service chooses (no headers, no body),
 * so it needs no redaction; pino's wildcard redaction measured at ~5 % of a request's CPU.
 */
export function createAccessLogger(level: string): Logger {
  return pino({ level, base: { pid: process.pid, context: 'access' } }, bufferedStdout());
}
