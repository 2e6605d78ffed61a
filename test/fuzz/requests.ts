// Requests for one operation of the OpenAPI document: fast-check arbitraries that fill every documented
// parameter, header and body with valid, boundary or hostile values, plus the fixed hostile cases every
// operation gets once (each hostile string in each parameter, each hostile body under each media type).
import fc from 'fast-check';
import {
  HOSTILE_HEADER_VALUES,
  HOSTILE_STRINGS,
  hostileValue,
  resolve,
  validValue,
  type Json,
  type Schemas,
} from './arbitraries.js';

export interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
}

export interface Operation {
  path: string;
  method: string;
  op: Json;
}

/** What the suite knows that the document does not: ids that exist, a token, requests a real client makes. */
export interface FuzzContext {
  schemas: Schemas;
  authorization: string;
  /** Existing values of path parameters, by name (a real user id, say). */
  known: Record<string, string[]>;
  /** Complete valid requests for an operation (`POST /oauth/token` with the real secret, a signed delivery). */
  examples: Record<string, FuzzRequest[]>;
}

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema?: Json;
}

/** Percent-encoding of any JS string: a lone surrogate becomes the (invalid UTF-8) bytes a sloppy client sends. */
export function encode(value: string): string {
  let out = '';
  for (const ch of value) out += /[\uD800-\uDFFF]/u.test(ch) ? '%ED%A0%80' : encodeURIComponent(ch);
  return out;
}

const asText = (value: unknown): string => (typeof value === 'string' ? value : (JSON.stringify(value) ?? 'undefined'));

/** Deeply nested JSON, a body with thousands of keys, non-UTF-8 bytes, prototype keys, duplicates. */
export const HOSTILE_BODIES: readonly (string | Buffer)[] = [
  '',
  'null',
  '[]',
  '"text"',
  '{',
  '{"a":1}garbage',
  '\ufeff{}',
  '{"name":"\\ud800","email":"\\udfff@example.com","to":"\\ud800"}',
  '{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"polluted":1}}}',
  '{"name":"a","name":"b","email":"a@example.com","email":"b@example.com"}',
  `${'['.repeat(3000)}${']'.repeat(3000)}`,
  `${'{"a":'.repeat(2000)}1${'}'.repeat(2000)}`,
  JSON.stringify(Object.fromEntries(Array.from({ length: 3000 }, (_, i) => [`k${i}`, i]))),
  `{"name":"${'a'.repeat(1_200_000)}"}`,
  Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x7d]),
  Buffer.from('{"to":"a@example.com","subject":"\u0000","text":"\u001b"}', 'utf8'),
];

export const CONTENT_TYPES: readonly (string | undefined)[] = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=latin1',
  'application/merge-patch+json',
  'application/x-www-form-urlencoded',
  'text/plain',
  'application/xml',
  'multipart/form-data; boundary=x',
  'application/vnd.api+json',
  '*/*',
  undefined,
];

const ACCEPTS = [undefined, 'application/json', '*/*', 'text/csv', 'application/xml', 'text/*', '*/*;q=0', 'garbage'];

function parameters(operation: Operation): Parameter[] {
  return ((operation.op.parameters ?? []) as Parameter[]).filter((p) => ['path', 'query', 'header'].includes(p.in));
}

function bodyMediaTypes(operation: Operation): string[] {
  return Object.keys(((operation.op.requestBody as Json | undefined)?.content ?? {}) as Json);
}

function render(operation: Operation, ctx: FuzzContext, parts: Parts): FuzzRequest {
  let path = operation.path;
  for (const [name, value] of Object.entries(parts.path)) path = path.replace(`{${name}}`, encode(value));
  const query = parts.query.map(([k, v]) => `${encode(k)}=${encode(v)}`);
  if (parts.rawQuery) query.push(parts.rawQuery);
  const headers: Record<string, string> = { authorization: ctx.authorization, ...parts.headers };
  if (parts.accept) headers.accept = parts.accept;
  if (parts.contentType) headers['content-type'] = parts.contentType;
  return {
    method: operation.method.toUpperCase(),
    url: query.length > 0 ? `${path}?${query.join('&')}` : path,
    headers,
    payload: parts.body,
  };
}

interface Parts {
  path: Record<string, string>;
  query: [string, string][];
  rawQuery?: string;
  headers: Record<string, string>;
  accept?: string;
  contentType?: string;
  body?: string | Buffer;
}

/** A value of one parameter: mostly valid (or a known id), sometimes at a bound, sometimes hostile. */
function parameterValue(parameter: Parameter, ctx: FuzzContext): fc.Arbitrary<string> {
  const schema = resolve(parameter.schema, ctx.schemas);
  const known = ctx.known[parameter.name] ?? [];
  const valid = validValue(schema, ctx.schemas).map(asText);
  const hostile =
    parameter.in === 'header' ? fc.constantFrom(...HOSTILE_HEADER_VALUES) : hostileValue(schema).map(asText);
  const value = fc.oneof(
    { weight: 4, arbitrary: known.length > 0 ? fc.constantFrom(...known) : valid },
    { weight: 3, arbitrary: valid },
    { weight: 3, arbitrary: hostile },
  );
  // A header value outside visible ASCII cannot even be written by an HTTP client (Node refuses to send it).
  return parameter.in === 'header' ? value.map((v) => v.replace(/[^\x20-\x7e]/g, '?')) : value;
}

function bodyArbitrary(operation: Operation, ctx: FuzzContext): fc.Arbitrary<Pick<Parts, 'body' | 'contentType'>> {
  const mediaTypes = bodyMediaTypes(operation);
  const content = (operation.op.requestBody as Json).content as Record<string, { schema?: Json }>;
  const jsonType = mediaTypes.find((m) => m.includes('json')) ?? mediaTypes[0];
  const schema = content[jsonType]?.schema;
  const valid = validValue(schema, ctx.schemas);
  const properties = Object.keys((resolve(schema, ctx.schemas).properties ?? {}) as Json);
  const mutated =
    properties.length === 0
      ? valid
      : fc
          .tuple(valid, fc.constantFrom(...properties), hostileValue({}))
          .map(([value, key, bad]) => ({ ...(value as Json), [key]: bad }));
  return fc.record({
    body: fc.oneof(
      { weight: 4, arbitrary: valid.map((v) => JSON.stringify(v)) },
      { weight: 4, arbitrary: mutated.map((v) => JSON.stringify(v)) },
      { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
      { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_BODIES) },
    ),
    contentType: fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...mediaTypes.filter((m) => m !== '*/*'), 'application/json') },
      { weight: 2, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
    ),
  });
}

/** Random requests for `operation`: every documented parameter, header and body, valid or not. */
export function requestArbitrary(operation: Operation, ctx: FuzzContext): fc.Arbitrary<FuzzRequest> {
  const params = parameters(operation);
  const pathParams = params.filter((p) => p.in === 'path');
  const queryParams = params.filter((p) => p.in === 'query');
  const headerParams = params.filter((p) => p.in === 'header');
  const path = fc.record(Object.fromEntries(pathParams.map((p) => [p.name, parameterValue(p, ctx)])));
  const query = fc
    .tuple(
      ...queryParams.map((p) =>
        fc.option(
          parameterValue(p, ctx).map((v): [string, string] => [p.name, v]),
          { freq: 2, nil: undefined },
        ),
      ),
      fc.option(
        fc.tuple(
          fc.constantFrom('__proto__', 'constructor', 'toString', 'foo', 'fields[]', 'offset', 'limit'),
          fc.string(),
        ),
        { freq: 4, nil: undefined },
      ),
    )
    .map((pairs) => pairs.filter((p): p is [string, string] => p !== undefined));
  const headers = fc
    .tuple(
      ...headerParams.map((p) =>
        fc.option(
          parameterValue(p, ctx).map((v) => [p.name, v] as const),
          { nil: undefined },
        ),
      ),
    )
    .map((pairs) => Object.fromEntries(pairs.filter((p) => p !== undefined)) as Record<string, string>);
  const body = bodyMediaTypes(operation).length > 0 ? bodyArbitrary(operation, ctx) : fc.constant({});
  const generated = fc
    .record({
      path,
      query,
      rawQuery: fc.option(fc.constantFrom('&', '%', '%FF', 'a=%ED%A0%80', '=x', 'a[b]=1', 'a=1&a=2'), {
        freq: 6,
        nil: undefined,
      }),
      headers,
      accept: fc.constantFrom(...ACCEPTS),
      body,
    })
    .map(({ body: b, ...rest }) => render(operation, ctx, { ...rest, ...b }));
  const examples = ctx.examples[`${operation.method} ${operation.path}`] ?? [];
  return examples.length > 0 ? fc.oneof(generated, fc.constantFrom(...examples)) : generated;
}

/** The fixed hostile cases: each hostile string in each parameter, each hostile body under JSON. */
export function hostileRequests(operation: Operation, ctx: FuzzContext): FuzzRequest[] {
  const params = parameters(operation);
  const base = (): Parts => ({
    path: Object.fromEntries(params.filter((p) => p.in === 'path').map((p) => [p.name, ctx.known[p.name]?.[0] ?? 'x'])),
    query: [],
    headers: {},
  });
  const out: FuzzRequest[] = [];
  for (const p of params) {
    const values = p.in === 'header' ? HOSTILE_HEADER_VALUES : HOSTILE_STRINGS;
    for (const value of values) {
      const parts = base();
      if (p.in === 'path') parts.path[p.name] = value;
      else if (p.in === 'query') parts.query.push([p.name, value]);
      else parts.headers[p.name] = value;
      out.push(render(operation, ctx, parts));
    }
  }
  if (bodyMediaTypes(operation).length > 0) {
    for (const body of HOSTILE_BODIES)
      out.push(render(operation, ctx, { ...base(), body, contentType: 'application/json' }));
  }
  return out;
}
