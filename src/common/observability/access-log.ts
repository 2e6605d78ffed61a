import pino, { type DestinationStream } from 'pino';
import { bufferedStdout, createAccessLogger, type LogFormat } from './logger.js';

/** What the access log says of one request (no headers, no body; the URL through `loggableUrl`). */
export interface AccessRecord {
  requestId: string;
  method: string;
  url: string;
  route: string;
  status: number;
  ms: number;
  client?: string;
  ip: string;
}

export interface AccessLog {
  /** False when the level is above info: the caller skips building the record. */
  readonly enabled: boolean;
  write(record: AccessRecord): void;
}

const MESSAGE = 'request completed';
const INFO = pino.levels.values.info;

/**
 * The access log: the same JSON line pino writes for `info(record, 'request completed')` on the
 * access logger (level, time, pid, context, the record's fields in order, msg), built as one string
 * with the fields known in advance instead of through pino's generic serialiser: 0.7 µs less per
 * request in a micro-benchmark (1.9 against 2.6 µs per line, buffered writes included). Readable
 * lines for a development terminal still go through pino-pretty.
 */
export function createAccessLog(format: LogFormat): AccessLog {
  const levelValue = pino.levels.values[format.level] ?? Number.POSITIVE_INFINITY;
  const enabled = levelValue <= INFO;
  if (format.pretty) {
    const logger = createAccessLogger(format);
    return { enabled, write: (record) => logger.info(record, MESSAGE) };
  }
  const destination: DestinationStream = format.destination ?? bufferedStdout();
  const head = `{"level":${INFO},"time":`;
  const base = `,"pid":${process.pid},"context":"access"`;
  const text = JSON.stringify;
  return {
    enabled,
    write(r) {
      const client = r.client === undefined ? '' : `,"client":${text(r.client)}`;
      destination.write(
        `${head}${Date.now()}${base},"requestId":${text(r.requestId)},"method":${text(r.method)},"url":${text(r.url)},` +
          `"route":${text(r.route)},"status":${r.status},"ms":${text(r.ms)}${client},"ip":${text(r.ip)},"msg":"${MESSAGE}"}\n`,
      );
    },
  };
}
