import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';

/**
 * The route template Fastify matched (`/api/v1/users/:id`), undefined when none did (a 404). Every
 * decision about which rules apply to a request reads this, never `request.url`: the request line
 * can name the same route in several forms (origin-form, absolute-form `http://host/api/...`).
 */
export function matchedRoute(request: FastifyRequest): string | undefined {
  return request.routeOptions.url;
}

/** A route of the versioned REST API (`/api/...`): the REST conventions and default-deny auth apply. */
export function isApiRoute(request: FastifyRequest): boolean {
  return matchedRoute(request)?.startsWith('/api/') === true;
}

// RFC 9112 §3.2.2: the scheme and authority of an absolute-form target; the path follows.
const ABSOLUTE_FORM = /^https?:\/\/[^/?#]*/i;

/**
 * Fastify's `rewriteUrl`: an absolute-form request target (`GET http://host/api/v1/users HTTP/1.1`)
 * becomes its origin-form (`/api/v1/users`) before routing, so `request.url` (paging links, problem
 * `instance`, the access log) reads the same whatever form the client sent. The router already
 * matched both forms; only the raw URL differed.
 */
export function originForm(req: IncomingMessage): string {
  const url = req.url ?? '/';
  if (url.charCodeAt(0) === 0x2f) return url;
  const authority = ABSOLUTE_FORM.exec(url);
  if (!authority) return url;
  const rest = url.slice(authority[0].length);
  return rest.startsWith('/') ? rest : `/${rest}`;
}
