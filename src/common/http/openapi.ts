import type { OpenAPIObject } from '@nestjs/swagger';

type Json = Record<string, unknown>;

const INT32_MAX = 2147483647;
// Where the rate-limit guard runs (RateLimitGuard), on routes Nest serves.
const RATE_LIMITED = /^\/(oauth\/|api\/)/;

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
 * Only GET (and HEAD) answers `If-None-Match` with 304; ApiEnvelope cannot see the HTTP method of the route
 * it decorates, so PUT and PATCH lose here the `If-None-Match` parameter and the 304 response. They keep
 * the `ETag` header of their 200: a write answers the ETag of the resource as written.
 */
function withoutConditionalGet(operation: Json, responses: Record<string, Json>): void {
  delete responses['304'];
  const parameters = operation.parameters as Json[] | undefined;
  if (parameters) operation.parameters = parameters.filter((p) => !(p.in === 'header' && p.name === 'If-None-Match'));
}

/** Accepts only `null`: the second branch of a nullable reference. */
const NULL_ONLY = { type: 'object', nullable: true, enum: [null], description: 'null' };

/**
 * Swagger writes a nullable property of a DTO type as `{nullable: true, type: object, allOf: [{$ref}]}`. Under
 * OpenAPI 3.0.3, `nullable` only widens the `type` of its own schema while `allOf` still requires the referenced
 * (non-nullable) schema, so `null` is not valid there, although the server sends it (an integration without a
 * token, say). `anyOf: [{$ref}, null-only]` means what the DTO says under every reading; generators still make
 * it `Ref | null`.
 */
function nullableReference(schema: Json): void {
  const allOf = schema.allOf as Json[] | undefined;
  if (schema.nullable !== true || allOf?.length !== 1 || typeof allOf[0].$ref !== 'string') return;
  delete schema.nullable;
  delete schema.type;
  delete schema.allOf;
  schema.anyOf = [allOf[0], { ...NULL_ONLY }];
}

const PROBLEM = { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDto' } } };

/**
 * What the HTTP layer answers before any route runs (client-error.ts, Fastify's body parser): true of every
 * operation, so documented on each rather than found by a client.
 */
const ANY_ROUTE: Record<string, string> = {
  '400': 'malformed request (HTTP framing, URL, query or body)',
  '408': 'the request was not received in time',
  '431': 'request header fields too large',
};
const WITH_BODY: Record<string, string> = {
  '413': 'body too large',
  '415': 'body Content-Type not accepted',
};

function documentRefusals(operation: Json, responses: Record<string, Json>): void {
  const refusals = operation.requestBody ? { ...ANY_ROUTE, ...WITH_BODY } : ANY_ROUTE;
  for (const [status, description] of Object.entries(refusals)) {
    responses[status] ??= { description, content: structuredClone(PROBLEM) };
  }
}

/**
 * With `fields`, each item (or the one resource) in `data` has only the properties asked: the documented data
 * is then "the model, or its projection" (a `<Model>Projection` schema: the same properties, none required,
 * at least one), so a client validating the answers against the document accepts the sparse ones too.
 */
function projectable(document: OpenAPIObject, operation: Json, responses: Record<string, Json>): void {
  const parameters = (operation.parameters ?? []) as Json[];
  if (!parameters.some((p) => p.in === 'query' && p.name === 'fields')) return;
  const schemas = (document.components?.schemas ?? {}) as Record<string, Json>;
  for (const [status, response] of Object.entries(responses)) {
    const content = response.content as Record<string, { schema?: Json }> | undefined;
    const data = (content?.['application/json']?.schema?.properties as Json | undefined)?.data as Json | undefined;
    const target = (data?.type === 'array' ? data.items : data) as Json | undefined;
    const ref = target?.$ref;
    if (!status.startsWith('2') || !target || typeof ref !== 'string') continue;
    const name = ref.split('/').pop()!;
    const projection = `${name}Projection`;
    if (!schemas[projection]) {
      const { required: _required, ...model } = structuredClone(schemas[name]);
      schemas[projection] = {
        ...model,
        minProperties: 1,
        description: `${name} with only the properties named in \`fields\``,
      };
    }
    delete target.$ref;
    target.anyOf = [{ $ref: ref }, { $ref: `#/components/schemas/${projection}` }];
  }
}

const INT32_HEADER = { type: 'integer', format: 'int32', minimum: 0, maximum: INT32_MAX } as const;

/** The headers every answer may carry, whatever its status. */
function documentCommonHeaders(headers: Json): void {
  // genReqId (app.setup.ts) and the onRequest hook write it on every answer, errors and 304 included.
  headers['X-Request-Id'] ??= {
    description: 'the request id (the sane one sent, otherwise generated); quoted in logs and problems',
    schema: { type: 'string', maxLength: 128, pattern: '^[A-Za-z0-9._:-]+$' },
  };
  headers['Access-Control-Allow-Origin'] ??= {
    description: 'present when CORS_ORIGINS allows the request Origin',
    schema: { type: 'string', maxLength: 2048 },
  };
  for (const header of Object.values(headers)) {
    const schema = (header as { schema?: Json }).schema;
    // The server never writes a header value longer than this.
    if (schema?.type === 'string') schema.maxLength ??= 2048;
  }
}

/** The headers of the rate limiter: `Retry-After` on its 429, the `RateLimit-*` trio where it runs. */
function documentRateLimitHeaders(headers: Json, status: string, rateLimited: boolean): void {
  if (status === '429') {
    headers['Retry-After'] ??= { description: 'seconds to wait', schema: { ...INT32_HEADER } };
  }
  if (!rateLimited || !/^[24]/.test(status)) return;
  headers['RateLimit-Limit'] ??= { description: 'requests allowed per client per minute', schema: { ...INT32_HEADER } };
  headers['RateLimit-Reset'] ??= {
    description: 'seconds until the current window resets',
    schema: { ...INT32_HEADER },
  };
  headers['RateLimit-Remaining'] ??= {
    description: 'requests left in the current minute',
    schema: { ...INT32_HEADER },
  };
}

/** Completes one operation: its refusals, projections, the 500 and the headers of every response. */
function completeOperation(document: OpenAPIObject, method: string, operation: Json, rateLimited: boolean): void {
  const responses = (operation as { responses?: Record<string, Json> }).responses;
  if (!responses) return;
  if (method !== 'get') withoutConditionalGet(operation, responses);
  documentRefusals(operation, responses);
  projectable(document, operation, responses);
  // Any route can fail unexpectedly; it answers a problem body, never a stack trace.
  responses['500'] ??= {
    description: 'unexpected error (problem details, logged with the request id)',
    content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDto' } } },
  };
  for (const [status, response] of Object.entries(responses)) {
    const headers = (response.headers ??= {}) as Json;
    documentCommonHeaders(headers);
    documentRateLimitHeaders(headers, status, rateLimited);
  }
}

/** Node's HTTP parser refuses header blocks over 16 KiB, so no header parameter is longer. */
function boundHeaderParameters(document: OpenAPIObject): void {
  for (const item of Object.values(document.paths)) {
    for (const operation of Object.values(item as Json)) {
      for (const parameter of ((operation as { parameters?: Json[] }).parameters ?? []) as Json[]) {
        const schema = parameter.schema as Json | undefined;
        if (parameter.in === 'header' && schema?.type === 'string') schema.maxLength ??= 16384;
      }
    }
  }
}

/** Formats and bounds of every schema: what the server writes, not what a generator would assume. */
function boundSchema(schema: Json): void {
  nullableReference(schema);
  if (schema.type === 'integer') {
    schema.format ??= 'int32';
    schema.minimum ??= 0;
    // An int64 (byte counts, say) is bounded by what a JSON number holds exactly, not by int32.
    schema.maximum ??= schema.format === 'int64' ? Number.MAX_SAFE_INTEGER : INT32_MAX;
  }
  // A JSON number the server writes is a JavaScript number: an IEEE 754 double (integers are `integer`).
  if (schema.type === 'number') schema.format ??= 'double';
  if (schema.type === 'string' && schema.format === 'date-time') schema.maxLength ??= 30;
}

/**
 * Completes the generated document with facts that hold for every route, so each controller does
 * not repeat them: rate-limit headers where the limiter runs, the CORS header, integer formats and
 * date-time string bounds. Everything added here is true of the running server.
 */
export function completeOpenApi(
  document: OpenAPIObject,
  options: { unguarded?: readonly string[] } = {},
): OpenAPIObject {
  // Routes served outside Nest's router (raw-body routes): no guard, so no rate limit, runs there.
  const unguarded = new Set(options.unguarded ?? []);
  for (const [path, item] of Object.entries(document.paths)) {
    const rateLimited = RATE_LIMITED.test(path) && !unguarded.has(path);
    for (const [method, operation] of Object.entries(item as Json)) {
      completeOperation(document, method, operation as Json, rateLimited);
    }
  }
  boundHeaderParameters(document);
  walk(document, boundSchema);
  return document;
}
