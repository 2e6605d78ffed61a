import { createRequire } from 'node:module';
import pino, { type DestinationStream, type Logger, type LoggerOptions } from 'pino';
import type { PrettyOptions, PrettyStream } from 'pino-pretty';

type Pretty = (options: PrettyOptions) => PrettyStream;
// Loaded on first use: only a development terminal wants readable lines, so a server never loads
// pino-pretty and its dependencies (start-up time and memory, issue 12).
const loadPretty = () => createRequire(import.meta.url)('pino-pretty') as Pretty;

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

/** How log lines are written: JSON (production, files, pipes), or readable lines for a person. */
export interface LogFormat {
  level: string;
  /** `development` on a terminal: readable lines instead of JSON. */
  pretty?: boolean;
  /** Where lines go (tests); standard output by default. */
  destination?: DestinationStream;
}

/** Readable lines in development when standard output is a terminal; JSON everywhere else. */
export function wantsPrettyLogs(env: string, stdoutIsTty = process.stdout.isTTY === true): boolean {
  return env === 'development' && stdoutIsTty;
}

/**
 * A synchronous pino-pretty stream (no worker thread: a development terminal, where each line
 * should show at once and a few microseconds per line do not matter).
 */
function prettyStream(destination?: DestinationStream): DestinationStream {
  return loadPretty()({
    sync: true,
    colorize: destination === undefined,
    translateTime: 'SYS:HH:MM:ss.l',
    // One line per entry: `[context] message {other fields}`.
    singleLine: true,
    messageFormat: '{if context}[{context}] {end}{msg}',
    ignore: 'pid,hostname,context',
    ...(destination ? { destination } : {}),
  });
}

/**
 * NestJS's start-up chatter at info level: one line per module and per route (about 60 lines), and
 * the route map names paths without their version (`/api/users`). Kept at debug level.
 */
const START_UP_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);
const INFO = 30;

const hooks: LoggerOptions['hooks'] = {
  logMethod(args, method, level) {
    const first: unknown = args[0];
    const context = first !== null && typeof first === 'object' ? (first as { context?: unknown }).context : undefined;
    if (level <= INFO && typeof context === 'string' && START_UP_CONTEXTS.has(context) && !this.isLevelEnabled('debug'))
      return;
    method.apply(this, args);
  },
};

/** The one pino logger of the process: JSON lines (or readable ones, see LogFormat), secrets redacted. */
export function createRootLogger(format: LogFormat): Logger {
  const options: LoggerOptions = {
    level: format.level,
    redact: { paths: REDACT, censor: '[redacted]' },
    base: { pid: process.pid },
    hooks,
  };
  if (format.pretty) return pino(options, prettyStream(format.destination));
  return format.destination ? pino(options, format.destination) : pino(options);
}

let accessDestination: ReturnType<typeof pino.destination> | null = null;

/** Standard output, buffered: one destination per process however many apps it builds (tests). */
export function bufferedStdout(): ReturnType<typeof pino.destination> {
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
 * The access log: one line per request with fields this service chooses (no headers, no body, the
 * URL through `loggableUrl`), so it needs no pino redaction, measured at ~5 % of a request's CPU.
 */
export function createAccessLogger(format: LogFormat): Logger {
  const options = { level: format.level, base: { pid: process.pid, context: 'access' } };
  if (format.pretty) return pino(options, prettyStream(format.destination));
  return pino(options, format.destination ?? bufferedStdout());
}

/** Query parameters whose values are credentials, by name: never written to any log. */
const SECRET_PARAMETER = /secret|passw(or)?d|token|api[-_]?key|auth|signature|credential|session|cookie/i;

function parameterName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/**
 * A request URL as it may be logged: without the query string on a route that takes credentials
 * (`unloggedQuery`: the matched route is marked `@CredentialsRoute()`, common/http/credentials-route.ts), and elsewhere with the value of every secret-named parameter (`client_secret`, `api_key`,
 * `password`, `access_token`, ...) replaced by `[redacted]`.
 */
export function loggableUrl(url: string, unloggedQuery: boolean): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  if (unloggedQuery) return url.slice(0, q);
  const pairs = url
    .slice(q + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq < 0 ? pair : pair.slice(0, eq);
      return SECRET_PARAMETER.test(parameterName(name)) ? `${name}=[redacted]` : pair;
    });
  return `${url.slice(0, q)}?${pairs.join('&')}`;
}
