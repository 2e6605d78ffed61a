import type { FastifyReply, FastifyRequest, preSerializationHookHandler } from 'fastify';
import { Readable } from 'node:stream';
import { CollectionExport, csvStream, project, toCsv } from './csv.js';
import { etagOf, noneMatch } from './etag.js';
import { Page } from './list-query.js';
import { CSV_TYPE } from './negotiation.js';
import { BODY_METHODS } from './rest.guard.js';

/** A handler's answer for a creation: 201 with `Location`. */
export class Created<T> {
  constructor(
    readonly resource: T,
    readonly location: string,
  ) {}
}

const VARY = 'Accept, Accept-Language, Authorization';

function pageLink(path: string, query: Record<string, unknown>, offset: number, limit: number): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query))
    if (k !== 'offset' && k !== 'limit' && v !== undefined) params.set(k, String(v));
  params.set('offset', String(offset));
  params.set('limit', String(limit));
  return `${path}?${params.toString()}`;
}

const identity = (payload: unknown) => payload as string;

// The ISO text of the current millisecond, formatted once per millisecond: under load many answers
// share one, and `toISOString()` was a visible share of the envelope's cost.
let clock = { ms: 0, iso: '' };
function isoNow(): string {
  const ms = Date.now();
  if (ms !== clock.ms) clock = { ms, iso: new Date(ms).toISOString() };
  return clock.iso;
}

/** The metadata every success envelope carries. */
export const responseMetadata = (requestId: string): Record<string, unknown> => ({
  requestId,
  timestamp: isoNow(),
});

/**
 * The one success envelope `{status, data, total?, metadata}`, from an already serialised `data`: the REST
 * hook below and the answers written outside it (raw-body routes, the OPTIONS listing) all use it.
 */
export function envelopeJson(dataJson: string, metadata: object, total?: number): string {
  const totalPart = total === undefined ? '' : `,"total":${total}`;
  return `{"status":"success","data":${dataJson}${totalPart},"metadata":${JSON.stringify(metadata)}}`;
}

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

/** A body, and what its ETag covers: the representation minus the per-response metadata (request id, time). */
interface Rendered {
  body: string;
  tagged: string;
}

function renderPage(
  page: Page<object>,
  fields: string[] | undefined,
  metadata: Record<string, unknown>,
  {
    request,
    reply,
    format,
    query,
  }: { request: FastifyRequest; reply: FastifyReply; format: string; query: Record<string, unknown> },
): Rendered {
  const items = page.items.map((i) => project(i, fields));
  const path = request.url.split('?')[0];
  metadata.offset = page.offset;
  metadata.limit = page.limit;
  metadata.links = {
    self: pageLink(path, query, page.offset, page.limit),
    next: page.offset + page.limit < page.total ? pageLink(path, query, page.offset + page.limit, page.limit) : null,
    prev: page.offset > 0 ? pageLink(path, query, Math.max(0, page.offset - page.limit), page.limit) : null,
  };
  let body: string;
  let dataJson: string;
  if (format === CSV_TYPE) {
    dataJson = toCsv(items);
    body = dataJson;
    reply.header('x-total-count', String(page.total));
  } else {
    dataJson = JSON.stringify(items);
    body = envelopeJson(dataJson, metadata, page.total);
  }
  // A page changes when the collection grows even if its items do not: total and links count.
  return { body, tagged: `${dataJson}\n${page.total}\n${JSON.stringify(metadata.links)}` };
}

/** Writes the ETag (and the cache policy of a read); true when the read is answered 304. */
function notModified(request: FastifyRequest, reply: FastifyReply, tagged: string, isPage: boolean): boolean {
  if (BODY_METHODS.has(request.method) && !isPage) {
    // The resource as written: its ETag lets the next conditional write skip a GET (RFC 9110 §8.8.3).
    reply.header('etag', etagOf(tagged));
  } else if (request.method === 'GET' || request.method === 'HEAD') {
    const etag = etagOf(tagged);
    reply.header('etag', etag);
    reply.header('cache-control', 'private, no-cache');
    if (noneMatch(request.headers['if-none-match'], etag)) {
      reply.code(304);
      return true;
    }
  }
  return false;
}

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
  const metadata = responseMetadata(request.id);
  let rendered: Rendered;
  if (value instanceof Page) {
    rendered = renderPage(value, fields, metadata, { request, reply, format, query });
  } else {
    const dataJson = JSON.stringify(project(value, fields));
    rendered = {
      body: envelopeJson(dataJson, metadata),
      tagged: dataJson,
    };
  }
  if (notModified(request, reply, rendered.tagged, value instanceof Page)) return '';
  reply.type(contentType(format));
  return rendered.body;
}
