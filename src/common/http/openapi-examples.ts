import { ApiExtension, type OpenAPIObject } from '@nestjs/swagger';
import { translate } from './i18n.js';
import { PROBLEM_BASE, PROBLEM_CONTENT_TYPE } from './problem.js';

type Json = Record<string, unknown>;

/**
 * Sample values shared by every example of the document, so one answer quotes the ids, times and request
 * id another shows: a valid ULID (Crockford base32, minted at `time`) for every server-generated id a
 * problem quotes, a request id as genReqId writes one (`req_<uuid>`). A module's own sample values (its ids
 * of external services, say) are declared with its DTOs.
 */
export const EXAMPLE = {
  id: '01JFA2NR2074DGB9X625SRQ89C',
  requestId: 'req_2f47ce85-f5e1-48b8-867c-b994e683f534',
  idempotencyKey: 'a1cd0bf7-9828-4c88-9293-0e0c158f8785',
  time: '2024-12-17T10:30:00.000Z',
} as const;

/** Where a module states what the example of one problem status quotes (read, then left out of the document). */
const PROBLEM_PARAMS = 'x-problem-params';

/**
 * The values the example problem of `status` quotes, for what the document alone cannot tell: e.g. the
 * referenced resource of a 422 (`{ resource: 'user' }`) or the resource name of a 404.
 */
export const ApiProblemParams = (byStatus: Record<number, Json>): MethodDecorator =>
  ApiExtension(PROBLEM_PARAMS, byStatus);

/** What the examples step is told beside the document: the paths whose body limit the route checks itself. */
export interface ExampleContext {
  rawBody?: readonly string[];
}

/** WEBHOOK_MAX_BYTES by default. */
const DEFAULT_BODY_LIMIT = 1024 * 1024;

/** Optional headers whose example goes into the description (a header of the description's own text). */
const HEADER_EXAMPLES: Record<string, string> = { 'Idempotency-Key': EXAMPLE.idempotencyKey };

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

function operationsOf(document: OpenAPIObject): { path: string; method: string; operation: Json }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item as Json)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({ path, method, operation: operation as Json })),
  );
}

/** The example of a parameter wherever Swagger UI would look for one to pre-fill "Try it out" with. */
function takeExample(parameter: Json): unknown {
  const schema = parameter.schema as Json | undefined;
  const examples = parameter.examples as Record<string, { value?: unknown }> | undefined;
  const value = parameter.example ?? Object.values(examples ?? {})[0]?.value ?? schema?.example;
  delete parameter.example;
  delete parameter.examples;
  if (schema) delete schema.example;
  return value;
}

const sentence = (text: unknown): string => {
  const trimmed = typeof text === 'string' ? text.trim() : '';
  return trimmed === '' || /[.!?)`]$/.test(trimmed) ? trimmed : `${trimmed}.`;
};

/** A path parameter the server generates (`userId`): no value of it exists on a fresh app. */
const generated = (name: string): boolean => name.endsWith('Id');

/**
 * Swagger UI pre-fills "Try it out" with a parameter's example (or its schema's): an example filter or
 * projection on an optional parameter made the first Execute answer an empty or trimmed page. So an
 * optional parameter carries no example value (it keeps its `default`, which is what the server applies
 * anyway); the example moves into its description, where a reader still sees it. A path id is made by
 * the server and none exists on a fresh app, so it has no example either: the description says where
 * one comes from. Other required parameters keep the example their module declared, which must work on a
 * fresh app. Answers the path parameters' samples, for the paths the problem examples quote.
 */
function moveParameterExamples(path: string, operation: Json): Record<string, string> {
  const samples: Record<string, string> = {};
  for (const parameter of (operation.parameters ?? []) as Json[]) {
    const name = String(parameter.name);
    if (parameter.in === 'path') {
      const example = takeExample(parameter);
      if (example !== undefined) samples[name] = String(example);
      if (!generated(name) && example !== undefined) {
        parameter.example = samples[name];
        continue;
      }
      const collection = path.slice(0, path.indexOf(`/{${name}}`));
      parameter.description =
        `${sentence(parameter.description)} An id the server generated (a ULID): none exists on a fresh ` +
        `app. Take one from \`GET ${collection}\` or from the answer that created it.`.trim();
      continue;
    }
    if (parameter.required === true) continue;
    const value = takeExample(parameter) ?? (parameter.in === 'header' ? HEADER_EXAMPLES[name] : undefined);
    if (value === undefined) continue;
    const shown = typeof value === 'string' ? value : JSON.stringify(value);
    parameter.description = `${sentence(parameter.description)} Example: \`${shown}\``.trim();
  }
  return samples;
}

/** The path with every parameter replaced by the sample its module declared (else the sample ULID). */
const samplePath = (path: string, samples: Record<string, string>): string =>
  path.replace(/\{(\w+)\}/g, (_whole, name: string) => samples[name] ?? EXAMPLE.id);

/**
 * A value of the route's last path parameter that names nothing, for its 404: the sample of a generated id
 * (none exists on a fresh app), else `unknown-<name>` (`unknown-integration-name`).
 */
function missingId(path: string, samples: Record<string, string>): string | undefined {
  const name = /\{(\w+)\}[^{]*$/.exec(path)?.[1];
  if (!name) return undefined;
  if (generated(name)) return samples[name] ?? EXAMPLE.id;
  return `unknown-${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

/** `email-messages/{messageId}` → `email message`, as services name a resource in their 404. */
function resourceName(path: string): string {
  const segment = path.split('/{')[0].split('/').pop() ?? 'resource';
  return segment.replace(/ies$/, 'y').replace(/s$/, '').replace(/-/g, ' ');
}

interface ProblemCase {
  type: string;
  params?: Record<string, unknown>;
  detail?: string;
  errors?: { field: string; message: string; code: string }[];
  extensions?: Json;
}

/** What the validation pipe says of a body property left out (its first constraint: the type). */
const MISSING_CODE: Record<string, string> = { string: 'isString', integer: 'isInt' };

/** The field error of a typical bad request: a body without its first property, or a bad query. */
function fieldError(document: OpenAPIObject, operation: Json): { field: string; message: string; code: string } {
  const content = (operation.requestBody as Json | undefined)?.content as Record<string, { schema?: Json }> | undefined;
  const ref = Object.values(content ?? {})[0]?.schema?.$ref;
  const schema =
    typeof ref === 'string'
      ? (document.components?.schemas as Record<string, Json> | undefined)?.[ref.split('/').pop()!]
      : undefined;
  const properties = (schema?.properties ?? {}) as Record<string, Json>;
  const field = (schema?.required as string[] | undefined)?.[0] ?? Object.keys(properties)[0];
  if (field) {
    const code = MISSING_CODE[String(properties[field]?.type)] ?? 'isNotEmpty';
    return { field, message: translate('en', `validation.${code}`, { property: field }), code };
  }
  const parameters = (operation.parameters ?? []) as Json[];
  if (parameters.some((p) => p.name === 'limit')) {
    return { field: 'limit', message: translate('en', 'validation.max', { property: 'limit', c0: 100 }), code: 'max' };
  }
  const code = 'whitelistValidation';
  return { field: 'filter', message: translate('en', `validation.${code}`, { property: 'filter' }), code };
}

/** What an example problem quotes besides the document: the route's path samples and raw-body limit. */
interface Route {
  path: string;
  samples: Record<string, string>;
  rawBody: boolean;
}

/** What a status's example problem is made from: the route, its operation and what its module declared. */
interface CaseInput {
  document: OpenAPIObject;
  route: Route;
  operation: Json;
  responses: Record<string, Json>;
  /** `x-problem-params` of the status. */
  declared: Json;
  /** What the route's own response says of the status, for a refusal that is not the usual one. */
  own: string;
  /** The external service a 502/503/504 names (`x-integration`). */
  integration: { integration: string };
}

/** The media types of the route's success answer (JSON when it documents none). */
const producesOf = (responses: Record<string, Json>): string[] =>
  Object.keys(
    (Object.entries(responses).find(([s]) => s.startsWith('2'))?.[1]?.content as Json | undefined) ?? {
      'application/json': {},
    },
  );
const consumesOf = (operation: Json): string[] =>
  Object.keys(((operation.requestBody as Json | undefined)?.content as Json | undefined) ?? {});

/**
 * The problem a route really answers with each status (the type, and the values its texts quote), from what
 * its module declared on the operation: `x-integration` (the external service a 502/503/504 names),
 * `x-unique` (the field of a 409), `x-resource` (the name of a 404) and `x-problem-params`.
 */
const PROBLEM_CASES: Record<number, (c: CaseInput) => ProblemCase> = {
  400: ({ document, operation, responses }) => {
    // A route whose own 400 is another format (the token endpoint's RFC 6749 errors) answers a problem
    // only for a body the parser refused.
    const parserOnly = Object.keys((responses['400']?.content as Json | undefined) ?? {}).length > 1;
    const error = parserOnly
      ? { field: 'body', message: translate('en', 'validation.invalidJson'), code: 'invalidJson' }
      : fieldError(document, operation);
    return { type: 'validation-error', detail: error.message, errors: [error] };
  },
  401: () => ({ type: 'unauthorized' }),
  // A route that needs no scope refuses for a reason of its own: its response says which.
  403: ({ operation, own }) => {
    const [scope] = ((operation.security ?? []) as Record<string, string[]>[]).flatMap((s) => s.oauth2 ?? []);
    return scope ? { type: 'forbidden', params: { scope } } : { type: 'forbidden', detail: own };
  },
  404: ({ route: { path, samples }, operation, declared }) => {
    const id = missingId(path, samples);
    const resource = (operation['x-resource'] as { name?: string } | undefined)?.name ?? resourceName(path);
    return id
      ? { type: 'resource-not-found', params: { resource, id, ...declared } }
      : { type: 'not-found', params: { path } };
  },
  406: ({ responses }) => ({ type: 'not-acceptable', params: { types: producesOf(responses).join(', ') } }),
  408: () => ({ type: 'request-timeout' }),
  409: ({ operation }) => {
    const unique = operation['x-unique'] as string[] | undefined;
    return unique?.length
      ? { type: 'unique-violation', params: { field: unique[0] } }
      : { type: 'conflict', detail: 'the resource changed meanwhile; read it again' };
  },
  412: () => ({ type: 'precondition-failed' }),
  // Fastify's body parser refuses the body; the webhook receiver counts the bytes itself.
  413: ({ route }) =>
    route.rawBody
      ? { type: 'payload-too-large', params: { limit: DEFAULT_BODY_LIMIT } }
      : { type: 'payload-too-large', detail: 'Request body is too large' },
  415: ({ operation }) => ({ type: 'unsupported-media-type', params: { types: consumesOf(operation).join(', ') } }),
  422: ({ declared }) => ({ type: 'unknown-reference', params: { resource: 'resource', id: EXAMPLE.id, ...declared } }),
  428: () => ({ type: 'precondition-required', detail: 'send If-Match with the ETag of the resource' }),
  429: () => ({ type: 'too-many-requests', params: { retryAfter: 30 } }),
  431: () => ({ type: 'request-header-fields-too-large' }),
  502: ({ integration }) => ({
    type: 'upstream-error',
    params: { ...integration, reason: 'HTTP 500 after 3 attempts' },
    extensions: integration,
  }),
  // Without an integration, the route is unavailable for a reason of its own (storage, say).
  503: ({ operation, integration, own }) =>
    operation['x-integration']
      ? { type: 'circuit-open', params: integration, extensions: integration }
      : { type: 'service-unavailable', detail: own },
  504: ({ integration }) => ({ type: 'upstream-timeout', params: integration, extensions: integration }),
};

/** The example problem of `status` (PROBLEM_CASES), `internal-error` for a status without a case of its own. */
function problemCase(document: OpenAPIObject, route: Route, operation: Json, status: number): ProblemCase {
  const responses = operation.responses as Record<string, Json>;
  const make = PROBLEM_CASES[status] ?? (() => ({ type: 'internal-error' }));
  return make({
    document,
    route,
    operation,
    responses,
    declared: ((operation[PROBLEM_PARAMS] as Record<string, Json> | undefined) ?? {})[status] ?? {},
    own: String(responses[String(status)]?.description ?? ''),
    integration: { integration: String(operation['x-integration'] ?? 'upstream') },
  });
}

/** A problem body as ProblemDetailsFilter writes it (English texts of messages.ts). */
export function problemExample(document: OpenAPIObject, route: Route, operation: Json, status: number): Json {
  const c = problemCase(document, route, operation, status);
  const detail = c.detail ?? translate('en', `problems.${c.type}.detail`, c.params, '');
  return {
    type: PROBLEM_BASE + c.type,
    title: translate('en', `problems.${c.type}.title`, c.params, c.type),
    status,
    ...(detail ? { detail } : {}),
    instance: samplePath(route.path, route.samples),
    requestId: EXAMPLE.requestId,
    timestamp: EXAMPLE.time,
    ...(c.errors ? { errors: c.errors } : {}),
    ...c.extensions,
  };
}

/** Every problem response gets the example of its own status, not the schema's one validation example. */
function exampleProblems(document: OpenAPIObject, route: Route, operation: Json): void {
  for (const [status, response] of Object.entries((operation.responses ?? {}) as Record<string, Json>)) {
    const media = (response.content as Record<string, Json> | undefined)?.[PROBLEM_CONTENT_TYPE];
    if (!media || media.example !== undefined || media.examples !== undefined) continue;
    media.example = problemExample(document, route, operation, Number(status));
  }
  delete operation[PROBLEM_PARAMS];
}

/** Examples a client developer can run as they stand in Swagger UI (see moveParameterExamples). */
export function runnableExamples(document: OpenAPIObject, context: ExampleContext = {}): OpenAPIObject {
  for (const { path, operation } of operationsOf(document)) {
    const samples = moveParameterExamples(path, operation);
    exampleProblems(document, { path, samples, rawBody: context.rawBody?.includes(path) ?? false }, operation);
  }
  return document;
}
