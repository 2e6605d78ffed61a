import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants.js';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum.js';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest, preSerializationHookHandler } from 'fastify';
import { Readable } from 'node:stream';
import { CollectionExport, csvStream, project, toCsv } from './csv.js';
import { etagOf, noneMatch } from './etag.js';
import { Page } from './list-query.js';
import { CSV_TYPE, JSON_TYPE, MERGE_PATCH_TYPE, mediaTypeOf, negotiate } from './negotiation.js';
import { Problems } from './problem.js';
import { REST_ROUTE, type RestRouteOptions } from './rest.decorators.js';
import { isApiRoute } from './route-scope.js';

/** A handler's answer for a creation: 201 with `Location`. */
export class Created<T> {
  constructor(
    readonly resource: T,
    readonly location: string,
  ) {}
}

interface RouteInfo {
  list: boolean;
  acceptsQuery: boolean;
  consumes: string[];
  produces: string[];
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);
const VARY = 'Accept, Accept-Language, Authorization';

function pageLink(path: string, query: Record<string, unknown>, offset: number, limit: number): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query))
    if (k !== 'offset' && k !== 'limit' && v !== undefined) params.set(k, String(v));
  params.set('offset', String(offset));
  params.set('limit', String(limit));
  return `${path}?${params.toString()}`;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by RestGuard on `/api/*` routes: how the success body is rendered. */
    rest?: { format: string };
  }
}

/**
 * The request side of the REST conventions on every `/api/*` route: unknown query → 400,
 * Content-Type → 415, Accept → 406. It is a guard, not an interceptor, on purpose: a global
 * interceptor puts every request on NestJS's rxjs path, measured here at about a quarter of the
 * throughput of a simple route. The response side is `renderRestResponse` (a Fastify hook).
 */
@Injectable()
export class RestGuard implements CanActivate {
  private readonly routes = new WeakMap<object, RouteInfo>();

  constructor(private readonly reflector: Reflector) {}

  private routeInfo(context: ExecutionContext): RouteInfo {
    const handler = context.getHandler();
    let info = this.routes.get(handler);
    if (!info) {
      const options = this.reflector.get<RestRouteOptions | undefined>(REST_ROUTE, handler) ?? {};
      const args = (Reflect.getMetadata(ROUTE_ARGS_METADATA, context.getClass(), handler.name) ?? {}) as Record<
        string,
        unknown
      >;
      const acceptsQuery = Object.keys(args).some((k) => k.split(':')[0] === String(RouteParamtypes.QUERY));
      const list = options.list === true;
      info = {
        list,
        acceptsQuery,
        consumes: [JSON_TYPE, ...(options.consumes ?? [])],
        produces: list ? [JSON_TYPE, CSV_TYPE] : [JSON_TYPE],
      };
      this.routes.set(handler, info);
    }
    return info;
  }

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (!isApiRoute(request)) return true;
    const route = this.routeInfo(context);
    const query = (request.query ?? {}) as Record<string, unknown>;

    if (!route.acceptsQuery) {
      const unknown = Object.keys(query);
      if (unknown.length > 0) {
        throw Problems.unknownFields(
          unknown,
          (field) => `query parameter ${field} is not accepted here`,
          `unknown query parameter(s): ${unknown.join(', ')}`,
        );
      }
    }
    if (BODY_METHODS.has(request.method) && request.body !== undefined && request.body !== null) {
      const consumes =
        request.method === 'PATCH' ? [...new Set([...route.consumes, MERGE_PATCH_TYPE])] : route.consumes;
      if (!consumes.includes(mediaTypeOf(request.headers['content-type'])))
        throw Problems.unsupportedMediaType(consumes);
    }
    const format = negotiate(request.headers.accept, route.produces);
    if (!format) throw Problems.notAcceptable(route.produces);
    request.rest = { format };
    return true;
  }
}

const identity = (payload: unknown) => payload as string;

/**
 * The response side, as a Fastify preSerialization hook on `/api/*` handler results: the envelope,
 * `fields` projection, paging links, ETag/304 and CSV. The body is serialised here, once.
 */
export const renderRestResponse: preSerializationHookHandler<unknown> = (request, reply, payload, done) => {
  if (!request.rest || payload === null || typeof payload !== 'object') return done(null, payload);
  reply.serializer(identity);
  const query = (request.query ?? {}) as Record<string, unknown>;
  if (payload instanceof CollectionExport) {
    // No ETag: it would need the whole body before the first byte.
    addVary(reply);
    reply.type(contentType(CSV_TYPE));
    reply.header('x-total-count', String(payload.total));
    reply.header('cache-control', 'private, no-cache');
    // HEAD sends no body, but Fastify drains a stream it is given: an empty one reads no batch.
    if (request.method === 'HEAD') return done(null, Readable.from([]));
    csvStream(payload, fieldsOf(query)).then(
      (stream) => done(null, stream),
      (error: Error) => done(error),
    );
    return;
  }
  done(null, render(payload, request, reply, request.rest.format, query));
};

const fieldsOf = (query: Record<string, unknown>) =>
  typeof query.fields === 'string' ? query.fields.split(',').map((f) => f.trim()) : undefined;

function addVary(reply: FastifyReply): void {
  // Appended, not set: CORS may already have said `Vary: Origin`.
  const vary = reply.getHeader('vary');
  reply.header('vary', vary ? `${String(vary)}, ${VARY}` : VARY);
}

const contentType = (format: string) =>
  format === CSV_TYPE ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8';

function render(
  result: object,
  request: FastifyRequest,
  reply: FastifyReply,
  format: string,
  query: Record<string, unknown>,
): string {
  addVary(reply);
  let value: unknown = result;
  if (value instanceof Created) {
    reply.header('location', value.location);
    value = value.resource;
  }
  const fields = fieldsOf(query);
  const metadata: Record<string, unknown> = { requestId: request.id, timestamp: new Date().toISOString() };
  let body: string;
  let dataJson: string;
  // What the ETag covers: the representation minus the per-response metadata (request id, time).
  let tagged: string;
  if (value instanceof Page) {
    const items = value.items.map((i) => project(i, fields));
    const path = request.url.split('?')[0];
    metadata.offset = value.offset;
    metadata.limit = value.limit;
    metadata.links = {
      self: pageLink(path, query, value.offset, value.limit),
      next:
        value.offset + value.limit < value.total
          ? pageLink(path, query, value.offset + value.limit, value.limit)
          : null,
      prev: value.offset > 0 ? pageLink(path, query, Math.max(0, value.offset - value.limit), value.limit) : null,
    };
    if (format === CSV_TYPE) {
      dataJson = toCsv(items);
      body = dataJson;
      reply.header('x-total-count', String(value.total));
    } else {
      dataJson = JSON.stringify(items);
      body = `{"status":"success","data":${dataJson},"total":${value.total},"metadata":${JSON.stringify(metadata)}}`;
    }
    // A page changes when the collection grows even if its items do not: total and links count.
    tagged = `${dataJson}\n${value.total}\n${JSON.stringify(metadata.links)}`;
  } else {
    dataJson = JSON.stringify(project(value, fields));
    body = `{"status":"success","data":${dataJson},"metadata":${JSON.stringify(metadata)}}`;
    tagged = dataJson;
  }
  if (BODY_METHODS.has(request.method) && !(value instanceof Page)) {
    // The resource as written: its ETag lets the next conditional write skip a GET (RFC 9110 §8.8.3).
    reply.header('etag', etagOf(tagged));
  } else if (request.method === 'GET' || request.method === 'HEAD') {
    const etag = etagOf(tagged);
    reply.header('etag', etag);
    reply.header('cache-control', 'private, no-cache');
    if (noneMatch(request.headers['if-none-match'], etag)) {
      reply.code(304);
      return '';
    }
  }
  reply.type(contentType(format));
  return body;
}
