import { applyDecorators, SetMetadata, type Type } from '@nestjs/common';
import {
  ApiConsumes,
  ApiExtraModels,
  ApiHeader,
  ApiResponse,
  getSchemaPath,
  type HeadersObject,
} from '@nestjs/swagger';
import { MAX_LIMIT } from './list-query.js';
import { EnvelopeMetaDto, ListEnvelopeMetaDto, ProblemDto } from './rest.dto.js';

export const REST_ROUTE = 'rest:route';

export interface RestRouteOptions {
  /** The handler returns a `Page`: collection envelope, paging metadata, CSV allowed. */
  list?: boolean;
  /** Success status documented (200 by default, 201 for creations). */
  status?: number;
  /** Request media types accepted besides `application/json`. */
  consumes?: string[];
  description?: string;
}

/** The body of a success: the JSON envelope, and for collections their CSV representation. */
function envelopeContent(model: Type<unknown>, list: boolean): Record<string, { schema: object }> {
  const data = list
    ? { type: 'array', maxItems: MAX_LIMIT, items: { $ref: getSchemaPath(model) } }
    : { $ref: getSchemaPath(model) };
  const properties: Record<string, object> = {
    status: { type: 'string', enum: ['success'] },
    data,
    metadata: { $ref: getSchemaPath(list ? ListEnvelopeMetaDto : EnvelopeMetaDto) },
  };
  if (list) {
    // 42 agrees with the example links (ListEnvelopeMetaDto): the first page of 20, a next one, no previous.
    properties.total = {
      type: 'integer',
      minimum: 0,
      example: 42,
      description: 'all matching items, not only this page',
    };
  }
  // Collections always send `total`: it is required there, as the document promises what the answers hold.
  const required = list ? ['status', 'data', 'total', 'metadata'] : ['status', 'data', 'metadata'];
  const envelope = { type: 'object', required, properties };
  // `content` rather than `schema` + ApiProduces: the CSV representation is text, not the JSON envelope.
  const content: Record<string, { schema: object }> = { 'application/json': { schema: envelope } };
  if (list) {
    content['text/csv'] = {
      schema: {
        type: 'string',
        maxLength: 10485760,
        pattern: '^[\\s\\S]*$',
        description: 'the page as CSV: a header row of property names, then one row per item (Accept: text/csv)',
      },
    };
  }
  return content;
}

/** Location and ETag of a creation, the ETag of a 200; none on other statuses. */
function successHeaders(status: number): HeadersObject | undefined {
  if (status === 201) {
    return {
      Location: { description: 'URL of the created resource', schema: { type: 'string' } },
      ETag: { description: 'entity tag of the resource as created', schema: { type: 'string' } },
    };
  }
  if (status === 200) return { ETag: { description: 'entity tag of the representation', schema: { type: 'string' } } };
  return undefined;
}

/**
 * Documents the success envelope of a route (`allOf` with `getSchemaPath`, so the OpenAPI document
 * matches the bodies renderRestResponse writes) and marks list routes for RestGuard and renderRestResponse.
 */
export function ApiEnvelope(model: Type<unknown>, options: RestRouteOptions = {}): MethodDecorator {
  const status = options.status ?? 200;
  const content = envelopeContent(model, options.list ?? false);
  const decorators = [
    SetMetadata(REST_ROUTE, options),
    ApiExtraModels(model, EnvelopeMetaDto, ListEnvelopeMetaDto, ProblemDto),
    ApiResponse({
      status,
      description: options.description ?? (options.list ? 'a page of the collection' : 'the resource'),
      content,
      headers: successHeaders(status),
    }),
    // 406 is a problem like every error (application/problem+json), whatever the route produces.
    ApiProblemResponses(400, 401, 403, 406, 429),
  ];
  if (options.consumes?.length) decorators.push(ApiConsumes('application/json', ...options.consumes));
  if (status === 200) {
    decorators.push(
      ApiHeader({ name: 'If-None-Match', required: false, description: 'answer 304 when the ETag still matches' }),
      ApiResponse({ status: 304, description: 'not modified (If-None-Match matched)' }),
    );
  }
  return applyDecorators(...decorators);
}

const PROBLEM_DESCRIPTIONS: Record<number, string> = {
  400: 'invalid query or body (problem with `errors[]`)',
  401: 'missing or invalid bearer token',
  403: 'the token lacks the required scope',
  404: 'no such resource',
  406: 'Accept names nothing this route produces',
  409: 'conflict with the current state (e.g. unique key)',
  412: 'If-Match does not match the current ETag',
  413: 'body too large',
  415: 'body Content-Type not accepted',
  429: 'rate limit exceeded (see Retry-After)',
  502: 'the upstream service failed after retries',
  503: 'the upstream service is unavailable (circuit open, see Retry-After)',
  504: 'the upstream service timed out',
};

/** Documents RFC 9457 problem responses for the given statuses. */
export function ApiProblemResponses(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(ProblemDto),
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: PROBLEM_DESCRIPTIONS[status] ?? 'problem',
        content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDto) } } },
        headers:
          status === 429 || status === 503
            ? { 'Retry-After': { description: 'seconds to wait', schema: { type: 'integer' } } }
            : status === 401
              ? { 'WWW-Authenticate': { description: 'Bearer challenge', schema: { type: 'string' } } }
              : undefined,
      }),
    ),
  );
}
