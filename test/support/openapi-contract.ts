// Checks real HTTP exchanges against the OpenAPI document: the status must be documented for the operation,
// the Content-Type one of the media types documented for that status, and the body valid against the schema
// documented for that media type. Schemas are validated by Ajv (JSON Schema draft-07 plus ajv-formats), with
// `$ref`s resolved in the document itself. OpenAPI 3.0 `nullable: true` is handled by Ajv's built-in support
// (it adds "null" to the schema's `type`, as OpenAPI 3.0.3 specifies).
import type { OpenAPIObject } from '@nestjs/swagger';
import { Ajv, type ValidateFunction } from 'ajv';
import formats from 'ajv-formats';
import type { Middleware } from 'openapi-fetch';

type Json = Record<string, unknown>;

/** An id for `$ref` resolution inside the document; nothing is ever fetched from it. */
const DOCUMENT_ID = 'urn:openapi:document';
const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
const INT32 = 2 ** 31;

export interface Operation {
  path: string;
  method: string;
  operationId: string;
  tags: string[];
}

export interface Exchange {
  path: string;
  method: string;
  status: number;
  /** The media type answered (no parameters), undefined for an empty body. */
  mediaType?: string;
}

export class ContractViolation extends Error {}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** RFC 6901 escaping, then URI encoding (the document id is a URI, the pointer its fragment). */
const pointer = (...parts: string[]) =>
  parts.map((p) => encodeURIComponent(p.replace(/~/g, '~0').replace(/\//g, '~1'))).join('/');

const mediaTypeOf = (contentType: string | null) => (contentType ?? '').split(';')[0].trim().toLowerCase();
const isJson = (mediaType: string) => mediaType === 'application/json' || mediaType.endsWith('+json');

/**
 * A copy of the document where every object schema that lists its `properties` (and says nothing about others)
 * refuses undocumented properties: a response property missing from the document is a defect of the document.
 */
function closeObjects(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closeObjects);
  if (!isObject(node)) return node;
  const out: Json = {};
  for (const [key, value] of Object.entries(node)) {
    out[key] = key === 'example' || key === 'examples' ? value : closeObjects(value);
  }
  const composed = 'allOf' in node || 'anyOf' in node || 'oneOf' in node;
  if (isObject(node.properties) && node.additionalProperties === undefined && !composed) {
    out.additionalProperties = false;
  }
  return out;
}

export class OpenApiContract {
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();
  readonly exchanges: Exchange[] = [];

  constructor(readonly document: OpenAPIObject) {
    this.ajv = new Ajv({ strict: true, allErrors: true, strictTypes: true, allowUnionTypes: true });
    // OpenAPI keywords that are annotations only (and the document's own top-level keys, which hold the schemas).
    this.ajv.addVocabulary(['example', 'xml', 'externalDocs', 'discriminator', 'openapi', 'info', 'tags', 'servers']);
    this.ajv.addVocabulary(['paths', 'components', 'security', 'webhooks']);
    formats.default(this.ajv);
    // The OpenAPI 3.0 formats that ajv-formats does not define.
    this.ajv.addFormat('int32', {
      type: 'number',
      validate: (n: number) => Number.isInteger(n) && Math.abs(n) <= INT32,
    });
    this.ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
    this.ajv.addFormat('float', { type: 'number', validate: () => true });
    this.ajv.addFormat('double', { type: 'number', validate: () => true });
    this.ajv.addFormat('binary', true);
    this.ajv.addFormat('byte', /^[A-Za-z0-9+/]*={0,2}$/);
    this.ajv.addFormat('password', true);
    this.ajv.addSchema({ ...(closeObjects(document) as Json), $id: DOCUMENT_ID });
  }

  /** Every (path, method) of the document. */
  operations(): Operation[] {
    return Object.entries(this.document.paths).flatMap(([path, item]) =>
      METHODS.flatMap((method) => {
        const op = (item as Json)[method];
        if (!isObject(op)) return [];
        return [{ path, method, operationId: String(op.operationId), tags: (op.tags as string[] | undefined) ?? [] }];
      }),
    );
  }

  /** The validator of the schema at `path` → `method` → `status` → `mediaType`, compiled once. */
  private validator(path: string, method: string, status: string, mediaType: string): ValidateFunction {
    const ref = `${DOCUMENT_ID}#/${pointer('paths', path, method, 'responses', status, 'content', mediaType, 'schema')}`;
    let validate = this.validators.get(ref);
    if (!validate) {
      validate = this.ajv.getSchema(ref);
      if (!validate) throw new ContractViolation(`no schema at ${ref}`);
      this.validators.set(ref, validate);
    }
    return validate;
  }

  /**
   * Checks one response of `method path` (the document's path template) and records it; throws on a violation.
   * Answers to `fields` are checked like any other: the document itself describes the projection.
   */
  async check(path: string, method: string, response: Response): Promise<void> {
    const where = `${method.toUpperCase()} ${path} → ${response.status}`;
    const op = (this.document.paths[path] as Json | undefined)?.[method];
    if (!isObject(op)) throw new ContractViolation(`${where}: the operation is not in the document`);
    const responses = op.responses as Json;
    const status = [String(response.status), `${String(response.status)[0]}XX`, 'default'].find((s) => s in responses);
    if (!status) {
      throw new ContractViolation(`${where}: status not documented (documented: ${Object.keys(responses).join(', ')})`);
    }
    const documented = responses[status] as { content?: Record<string, unknown> };
    const text = await response.clone().text();
    const mediaType = text === '' ? undefined : mediaTypeOf(response.headers.get('content-type'));
    const content = documented.content ?? {};
    const mediaTypes = Object.keys(content);
    if (mediaType === undefined) {
      if (mediaTypes.length > 0 && response.status !== 304 && method !== 'head') {
        throw new ContractViolation(`${where}: empty body, the document declares ${mediaTypes.join(', ')}`);
      }
    } else {
      const [type] = mediaType.split('/');
      const key = [mediaType, `${type}/*`, '*/*'].find((m) => m in content);
      if (!key) {
        throw new ContractViolation(
          `${where}: answered ${mediaType}, the document declares ${mediaTypes.join(', ') || 'no body'}\n${text.slice(0, 500)}`,
        );
      }
      let body: unknown = text;
      if (isJson(mediaType)) {
        try {
          body = JSON.parse(text);
        } catch {
          throw new ContractViolation(`${where}: ${mediaType} body is not JSON: ${text.slice(0, 200)}`);
        }
      }
      const validate = this.validator(path, method, status, key);
      const errors = validate(body) ? [] : (validate.errors ?? []);
      if (errors.length > 0) {
        throw new ContractViolation(
          `${where} (${key}): body does not match the documented schema:\n` +
            errors
              .map((e) => `  body${e.instancePath} ${e.message ?? e.keyword} ${JSON.stringify(e.params)}`)
              .join('\n') +
            `\n${text.slice(0, 1000)}`,
        );
      }
    }
    this.exchanges.push({ path, method, status: response.status, mediaType });
  }

  /** openapi-fetch middleware: every response the client receives is checked against the document. */
  readonly middleware: Middleware = {
    onResponse: async ({ schemaPath, request, response }) => {
      await this.check(schemaPath, request.method.toLowerCase(), response);
      return undefined;
    },
  };
}
