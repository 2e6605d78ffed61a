import type { FastifyReply, FastifyRequest, preSerializationHookHandler } from 'fastify';
import { stringify } from 'csv-stringify/sync';
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

function project(item: unknown, fields: string[] | undefined): unknown {
  if (!fields || item === null || typeof item !== 'object') return item;
  const source = item as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const f of fields) if (f in source) out[f] = source[f];
  return out;
}

function pageLink(path: string, query: Record<string, unknown>, offset: number, limit: number): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query))
    if (k !== 'offset' && k !== 'limit' && v !== undefined) params.set(k, String(v));
  params.set('offset', String(offset));
  params.set('limit', String(limit));
  return `${path}?${params.toString()}`;
}

function toCsv(items: unknown[]): string {
  const rows = items.map((i) => (i && typeof i === 'object' ? (i as Record<string, unknown>) : { value: i }));
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cell = (v: unknown) => {
    const text = v !== null && typeof v === 'object' ? JSON.stringify(v) : v;
    // A text cell a spreadsheet would run as a formula is quoted with a leading ' (OWASP CSV injection).
    return typeof text === 'string' && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  };
  return stringify(
    rows.map((r) => columns.map((c) => cell(r[c]))),
    { header: true, columns },
  );
}

const identity = (payload: unknown) => payload as string;

/**
 * The response side, as a Fastify preSerialization hook on `/api/*` handler results: the envelope,
 * `fields` projection, paging links, ETag/304 and CSV. The body is serialised here, once.
 */
export const renderRestResponse: preSerializationHookHandler<unknown> = (request, reply, payload, done) => {
  if (!request.rest || payload === null || typeof payload !== 'object') return done(null, payload);
  reply.serializer(identity);
  done(null, render(payload, request, reply, request.rest.format, (request.query ?? {}) as Record<string, unknown>));
};

function render(
  result: object,
  request: FastifyRequest,
  reply: FastifyReply,
  format: string,
  query: Record<string, unknown>,
): string {
  // Appended, not set: CORS may already have said `Vary: Origin`.
  const vary = reply.getHeader('vary');
  reply.header('vary', vary ? `${String(vary)}, ${VARY}` : VARY);
  let value: unknown = result;
  if (value instanceof Created) {
    reply.header('location', value.location);
    value = value.resource;
  }
  const fields = typeof query.fields === 'string' ? query.fields.split(',').map((f) => f.trim()) : undefined;
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
  reply.type(format === CSV_TYPE ? 'text/csv; charset=utf-8' : 'application/json; charset=utf-8');
  return body;
}
