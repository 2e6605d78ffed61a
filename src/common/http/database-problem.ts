import type { FastifyRequest } from 'fastify';
import { databaseFault, retryAfterSeconds, type DatabaseFault } from '../../database/database-errors.js';
import type { ProblemInit } from './problem.js';

const DETAILS: Record<DatabaseFault, string> = {
  connection: 'The database cannot be reached right now; try again later',
  'not-connected': 'The database cannot be reached right now; try again later',
  'pool-timeout': 'The database is too busy to take this request right now; try again shortly',
  'statement-timeout': 'The database did not answer in time; try again shortly',
  busy: 'The data is being changed by another request; try again shortly',
  storage: 'The database cannot store changes right now; try again later',
};

export const IDEMPOTENT_RETRY_DETAIL =
  'Retrying with the same Idempotency-Key is safe: the operation takes effect at most once.';

/**
 * A 503 problem with Retry-After when `error` says the database cannot serve the request now (see
 * databaseFault); undefined for any other error. Whether or not a write took effect, the client learns
 * that the request may be repeated later: never a 500, which reads as "do not retry".
 */
export function databaseProblem(error: unknown): ProblemInit | undefined {
  const fault = databaseFault(error);
  if (!fault) return undefined;
  return {
    type: 'service-unavailable',
    status: 503,
    detail: DETAILS[fault],
    headers: { 'retry-after': String(retryAfterSeconds(fault)) },
    extensions: { dependency: 'database', reason: fault },
  };
}

export function isDatabaseProblem(problem: ProblemInit): boolean {
  return problem.extensions?.dependency === 'database';
}

/** Whether the matched operation documents an `Idempotency-Key` request header (the OpenAPI document says so). */
function takesIdempotencyKey(request: FastifyRequest, path: string): boolean {
  const operation = request.server.documentedPath?.(path)?.item[request.method.toLowerCase() as 'post'];
  return (operation?.parameters ?? []).some(
    (p) => 'in' in p && p.in === 'header' && p.name.toLowerCase() === 'idempotency-key',
  );
}

/**
 * A request that carried an Idempotency-Key to an operation that honours it may be repeated with the
 * same key whatever happened before the failure (a payment row inserted, the provider charged): say so,
 * in the detail and as the `retryWithSameIdempotencyKey` extension, for every such operation.
 */
export function withIdempotencyHint(problem: ProblemInit, request: FastifyRequest, path: string): ProblemInit {
  const key = request.headers['idempotency-key'];
  if (typeof key !== 'string' || key === '' || !takesIdempotencyKey(request, path)) return problem;
  return {
    ...problem,
    detail: `${problem.detail ?? ''} ${IDEMPOTENT_RETRY_DETAIL}`.trim(),
    extensions: { ...problem.extensions, retryWithSameIdempotencyKey: true },
  };
}
