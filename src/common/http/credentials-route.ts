import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';

/** The Fastify route config a route taking client credentials carries (see CredentialsRoute). */
interface CredentialsRouteConfig {
  credentials?: boolean;
}

/**
 * Marks a route that takes client credentials outside `/api` (the token endpoint): the rate limit applies
 * to it (no guessing secrets at full speed), and its query string is never logged (RFC 6749 §2.3.1:
 * credentials may be sent there by mistake). The owning module declares it; common/ never names the route.
 * Fastify route config, so the access log (a Fastify hook) and the guards read the same mark.
 */
export const CredentialsRoute = (): MethodDecorator =>
  RouteConfig({ credentials: true } satisfies CredentialsRouteConfig);

/** Whether the matched route is marked by CredentialsRoute (decided by the route, never by the URL). */
export function isCredentialsRoute(request: FastifyRequest): boolean {
  return (request.routeOptions?.config as CredentialsRouteConfig | undefined)?.credentials === true;
}
