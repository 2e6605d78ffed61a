import type { FastifyReply, FastifyRequest } from 'fastify';
import { METHODS, type RouteTable } from './route-table.js';
import { envelopeJson, responseMetadata } from './rest-response.js';

/** `OPTIONS /api/v1/<collection>`: the methods and parameters of that path, from the OpenAPI document. */
export function optionsHandler(documented: RouteTable) {
  return (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (request.method !== 'OPTIONS' || request.headers['access-control-request-method']) return done();
    const path = request.url.split('?')[0];
    // Decided by the documented route the path belongs to (no Fastify route matches an OPTIONS here).
    const match = documented(path);
    if (!match || !match.template.startsWith('/api/')) return done();
    const methods = Object.entries(match.item)
      .filter(([m]) => (METHODS as readonly string[]).includes(m))
      .map(([m, op]) => {
        const operation = op as { summary?: string; parameters?: unknown[]; requestBody?: unknown; security?: unknown };
        return {
          method: m.toUpperCase(),
          summary: operation.summary,
          parameters: operation.parameters ?? [],
          requestBody: operation.requestBody,
          security: operation.security,
        };
      });
    reply
      .code(200)
      .header('allow', match.allow.join(', '))
      .type('application/json; charset=utf-8')
      .send(envelopeJson(JSON.stringify({ path: match.template, methods }), responseMetadata(request.id)));
  };
}
