import type { FastifyCorsOptions } from '@fastify/cors';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';

/**
 * Response headers browser code may read under CORS (beyond the safelisted ones): every header the
 * OpenAPI document promises a client (rest-conventions-cors.e2e-spec.ts checks the two agree).
 */
export const CLIENT_READABLE_HEADERS = [
  'ETag',
  'Location',
  'Content-Location',
  'X-Request-Id',
  'X-Total-Count',
  'Retry-After',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'Idempotent-Replayed',
  'WWW-Authenticate',
  'Allow',
] as const;

/** CORS for the configured origins (`*`: any); nothing when there are none. */
export function enableCors(app: NestFastifyApplication, fastify: FastifyInstance, origins: string[]): void {
  if (origins.length === 0) return;
  const cors: FastifyCorsOptions = {
    origin: origins.includes('*') ? true : origins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
    exposedHeaders: [...CLIENT_READABLE_HEADERS],
    maxAge: 600,
  };
  const plain: FastifyCorsOptions = { ...cors, preflight: false };
  // @fastify/cors would answer every OPTIONS (a plain one with 400): only a real preflight is
  // CORS; any other OPTIONS goes on to the method listing of optionsHandler (contract §3).
  app.enableCors({
    delegator: (request, callback) =>
      callback(null, request.headers['access-control-request-method'] === undefined ? plain : cors),
  });
  // A preflight is answered by the CORS hook, which runs before the onRequest hook that sets the id.
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (!reply.hasHeader('x-request-id')) reply.header('x-request-id', request.id);
    done(null, payload);
  });
}
