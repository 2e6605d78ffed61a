import { ArgumentsHost, Catch, HttpException, Logger, type ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RateLimitedLog } from '../observability/rate-limited-log.js';
import { databaseProblem, isDatabaseProblem, withIdempotencyHint } from './database-problem.js';
import { translate, pickLanguage } from './i18n.js';
import { uniqueViolationField } from '../resource/unique-violation.js';
import { quote } from './text-field.js';
import { ReportException } from './report.exception.js';
import { PROBLEM_BASE, PROBLEM_CONTENT_TYPE, ProblemException, type FieldError, type ProblemInit } from './problem.js';
import { clipDetail } from './problem.js';

interface DbError {
  code?: string;
  errno?: number;
  detail?: string;
  message?: string;
  driverError?: DbError;
}

const FASTIFY_CODES: Record<string, { type: string; status: number }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { type: 'payload-too-large', status: 413 },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { type: 'unsupported-media-type', status: 415 },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { type: 'bad-request', status: 400 },
  FST_ERR_BAD_URL: { type: 'bad-request', status: 400 },
  // A path parameter longer than any id can be names no resource.
  FST_ERR_MAX_PARAM_LENGTH: { type: 'not-found', status: 404 },
};

/** Fastify's JSON parser errors (its messages are English and mention neither field nor fix). */
const JSON_BODY_ERRORS: Record<string, { code: string; message: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'invalidJson', message: 'the body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'emptyJsonBody', message: 'the body is empty although Content-Type says JSON' },
};

const STATUS_TYPES: Record<number, string> = {
  400: 'bad-request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  406: 'not-acceptable',
  409: 'conflict',
  412: 'precondition-failed',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  428: 'precondition-required',
  429: 'too-many-requests',
  503: 'service-unavailable',
};

/** Maps any thrown value to a problem; unknown errors become a 500 with no internals. */
export function toProblem(error: unknown, path: string): ProblemInit & { unexpected?: boolean } {
  if (error instanceof ProblemException) return error.problem;
  // An unreadable JSON body is an invalid body: a validation problem naming `body`, in the caller's
  // language. NestJS hands Fastify's parser error over wrapped in an HttpException (`cause`).
  const parserError = (error instanceof HttpException ? error.cause : error) as DbError | undefined;
  const json = parserError?.code ? JSON_BODY_ERRORS[parserError.code] : undefined;
  if (json) {
    return {
      type: 'validation-error',
      status: 400,
      errors: [{ field: 'body', message: json.message, code: json.code }],
    };
  }
  if (error instanceof HttpException) {
    const status = error.getStatus();
    const response = error.getResponse();
    const message =
      typeof response === 'object' && response !== null && 'message' in response
        ? (response as { message: unknown }).message
        : response;
    const detail = Array.isArray(message) ? message.join('; ') : typeof message === 'string' ? message : undefined;
    if (status === 404 && /^Cannot \w+ /.test(detail ?? '')) return { type: 'not-found', status, params: { path } };
    return { type: STATUS_TYPES[status] ?? (status >= 500 ? 'internal-error' : 'bad-request'), status, detail };
  }
  const db = error as DbError & { name?: string; statusCode?: number };
  if (db && typeof db === 'object') {
    if (db.name === 'QueryFailedError' || db.driverError) {
      const field = uniqueViolationField(db);
      if (field) return { type: 'unique-violation', status: 409, params: { field } };
    }
    if (db.name === 'EntityNotFoundError') return { type: 'not-found', status: 404, params: { path } };
    const unavailable = databaseProblem(error);
    if (unavailable) return unavailable;
    const fastify = db.code ? FASTIFY_CODES[db.code] : undefined;
    if (fastify) {
      return {
        ...fastify,
        detail: fastify.status === 400 ? db.message : undefined,
        params: { types: 'application/json', path },
      };
    }
    if (typeof db.statusCode === 'number' && db.statusCode >= 400 && db.statusCode < 500) {
      return { type: STATUS_TYPES[db.statusCode] ?? 'bad-request', status: db.statusCode, detail: db.message };
    }
  }
  return { type: 'internal-error', status: 500, unexpected: true };
}

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance: string;
  requestId: string;
  timestamp: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

export function problemBody(problem: ProblemInit, request: FastifyRequest): ProblemBody {
  const lang = pickLanguage(request.headers['accept-language']);
  const key = `problems.${problem.type}`;
  const params = { ...problem.params, count: problem.errors?.length ?? 0 };
  const title = translate(lang, `${key}.title`, params, problem.type);
  const localised = translate(lang, `${key}.detail`, params, '');
  const path = request.url.split('?')[0];
  // Field names, messages and details may quote client input (an unknown key, an id): escaped and bounded
  // by quote(), so a problem is what the document says (one-line strings) and forges no log line.
  const errors = problem.errors?.map(({ field: name, message, code, params: p }) => {
    const field = quote(name) || '""';
    const text = code ? translate(lang, `validation.${code}`, { property: field, ...p }, message) : message;
    return { field, message: quote(text, 1000), ...(code ? { code } : {}) };
  });
  const given =
    errors && problem.type === 'validation-error' ? errors.map((e) => e.message).join('; ') : problem.detail;
  const detail = given === undefined ? undefined : quote(given, 10000);
  return {
    type: PROBLEM_BASE + problem.type,
    title,
    status: problem.status,
    // Localised texts may quote client input: escaped, then every detail clipped to its limit.
    detail: clipDetail(detail ?? (localised ? quote(localised, 10000) : undefined)),
    instance: path,
    requestId: String(request.id),
    timestamp: new Date().toISOString(),
    ...(errors ? { errors } : {}),
    ...problem.extensions,
  };
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, problem: ProblemInit): void {
  const body = problemBody(problem, request);
  if (problem.headers) reply.headers(problem.headers);
  reply.header('cache-control', 'no-store');
  reply.code(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(body));
}

/** The one place every error body is written (RFC 9457), for Nest handlers and Fastify alike. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Problem');

  catch(error: unknown, host: ArgumentsHost): void {
    const ctx = host.switchToHttp();
    const request = ctx.getRequest<FastifyRequest>();
    const reply = ctx.getResponse<FastifyReply>();
    handleError(error, request, reply, this.logger);
  }
}

/** A database outage fails every request: one line per reason and interval, not one per request. */
const databaseLog = new RateLimitedLog();

export function handleError(
  error: unknown,
  request: FastifyRequest,
  reply: FastifyReply,
  logger: Pick<Logger, 'error'> & Partial<Pick<Logger, 'warn'>>,
): void {
  const path = request.url.split('?')[0];
  let problem = toProblem(error, path);
  if (problem.type === 'not-found') {
    // A path that exists with other methods: 405 with what it allows (RFC 9110 §15.5.6).
    const documented = request.server.documentedPath?.(path);
    if (documented && !documented.allow.includes(request.method)) {
      problem = {
        type: 'method-not-allowed',
        status: 405,
        detail: `${request.method} is not allowed on ${documented.template}; allowed: ${documented.allow.join(', ')}`,
        headers: { allow: documented.allow.join(', ') },
      };
    }
  }
  if (isDatabaseProblem(problem)) {
    problem = withIdempotencyHint(problem, request, path);
    const warn = logger.warn?.bind(logger) ?? logger.error.bind(logger);
    databaseLog.run(String(problem.extensions?.reason), (suppressed) =>
      warn(
        { err: error, requestId: request.id, suppressed },
        `request ${String(request.id)} failed with 503: database unavailable (${suppressed} more not logged)`,
      ),
    );
  } else if (problem.unexpected || problem.status >= 500) {
    logger.error({ err: error, requestId: request.id }, `request ${String(request.id)} failed with ${problem.status}`);
  }
  if (reply.sent) return;
  if (error instanceof ReportException) {
    reply.code(error.getStatus()).type('application/json').send(JSON.stringify(error.report));
    return;
  }
  sendProblem(reply, request, problem);
}
