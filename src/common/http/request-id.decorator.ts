import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';

/**
 * The request's id (the `X-Request-Id` it sent or the one generated for it). Handlers that call
 * an external service pass it on: the gateway sends it upstream and puts it on every attempt's
 * log line, so one id follows a request across services. It is passed explicitly rather than read
 * from an AsyncLocalStorage, which on Node 20 adds a promise hook to every request of the process.
 */
export const RequestId = createParamDecorator(
  (_data: unknown, context: ExecutionContext): string => context.switchToHttp().getRequest<FastifyRequest>().id,
);
