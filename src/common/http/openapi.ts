import type { OpenAPIObject } from '@nestjs/swagger';

type Json = Record<string, unknown>;

const INT32_MAX = 2147483647;
// Webhook receivers are exempt from the rate limit (they are a raw route outside the guard).
const RATE_LIMITED = /^\/(oauth\/|api\/(?!v1\/webhooks\/))/;

function walk(node: unknown, visit: (schema: Json) => void): void {
  if (Array.isArray(node)) {
    node.forEach((n) => walk(n, visit));
    return;
  }
  if (node && typeof node === 'object') {
    const obj = node as Json;
    if (typeof obj.type === 'string') visit(obj);
    Object.values(obj).forEach((v) => walk(v, visit));
  }
}

/**
 * Completes the generated document with facts that hold for every route, so each controller does
 * not repeat them: rate-limit headers where the limiter runs, the CORS header, integer formats and
 * date-time string bounds. Everything added here is true of the running server.
 */
export function completeOpenApi(document: OpenAPIObject): OpenAPIObject {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const operation of Object.values(item as Json)) {
      const responses = (operation as { responses?: Record<string, Json> }).responses;
      if (!responses) continue;
      // Any route can fail unexpectedly; it answers a problem body, never a stack trace.
      responses['500'] ??= {
        description: 'unexpected error (problem details, logged with the request id)',
        content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDto' } } },
      };
      for (const [status, response] of Object.entries(responses)) {
        const headers = (response.headers ??= {}) as Json;
        headers['Access-Control-Allow-Origin'] ??= {
          description: 'present when CORS_ORIGINS allows the request Origin',
          schema: { type: 'string', maxLength: 2048 },
        };
        for (const header of Object.values(headers)) {
          const schema = (header as { schema?: Json }).schema;
          // The server never writes a header value longer than this.
          if (schema?.type === 'string') schema.maxLength ??= 2048;
        }
        if (status === '429') {
          headers['Retry-After'] ??= {
            description: 'seconds to wait',
            schema: { type: 'integer', format: 'int32', minimum: 0, maximum: INT32_MAX },
          };
        }
        if (RATE_LIMITED.test(path) && /^[24]/.test(status)) {
          headers['RateLimit-Limit'] ??= {
            description: 'requests allowed per client per minute',
            schema: { type: 'integer', format: 'int32', minimum: 0, maximum: INT32_MAX },
          };
          headers['RateLimit-Reset'] ??= {
            description: 'seconds until the current window resets',
            schema: { type: 'integer', format: 'int32', minimum: 0, maximum: INT32_MAX },
          };
          headers['RateLimit-Remaining'] ??= {
            description: 'requests left in the current minute',
            schema: { type: 'integer', format: 'int32', minimum: 0, maximum: INT32_MAX },
          };
        }
      }
    }
  }
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item as Json)) {
      for (const parameter of ((operation as { parameters?: Json[] }).parameters ?? []) as Json[]) {
        const schema = parameter.schema as Json | undefined;
        // Node's HTTP parser refuses header blocks over 16 KiB, so no header parameter is longer.
        if (parameter.in === 'header' && schema?.type === 'string') schema.maxLength ??= 16384;
      }
    }
  }
  walk(document, (schema) => {
    if (schema.type === 'integer') {
      schema.format ??= 'int32';
      schema.minimum ??= 0;
      schema.maximum ??= INT32_MAX;
    }
    if (schema.type === 'string' && schema.format === 'date-time') schema.maxLength ??= 30;
  });
  return document;
}
