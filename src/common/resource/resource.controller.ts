import {
  applyDecorators,
  Body,
  Delete,
  Get,
  Headers,
  HttpCode,
  Param,
  Patch,
  Post,
  Put,
  Query,
  Req,
} from '@nestjs/common';
import { ApiBody, ApiExtension, ApiHeader, ApiNoContentResponse, ApiOperation, ApiParam } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import type { CollectionExport } from '../http/csv.js';
import type { Page } from '../http/list-query.js';
import { CSV_TYPE, MERGE_PATCH_TYPE } from '../http/negotiation.js';
import { EXAMPLE } from '../http/openapi-examples.js';
import { Created } from '../http/rest-response.js';
import { ApiEnvelope, ApiProblemResponses } from '../http/rest.decorators.js';
import { pascal, type Representation, type ResourceDefinition } from './define-resource.js';
import type { Fields, Values } from './fields.js';
import { article, resourceDescriptions, uniqueFields } from './resource-docs.js';
import type { ListQuery, ResourceService } from './resource.service.js';

/** The guards of the routes, given by the module (e.g. `Auth('products:read')`), so the kit knows no module. */
export interface ResourceAuth {
  read: MethodDecorator;
  write: MethodDecorator;
  /** Statuses the module's own rules answer on writes (e.g. 422 from `beforeWrite`), documented on them. */
  writeProblems?: number[];
}

export interface ResourceControllerBase<F extends Fields> {
  readonly service: ResourceService<F>;
  list(query: ListQuery, request: FastifyRequest): Promise<Page<Representation<F>> | CollectionExport>;
  create(body: Partial<Values<F>>): Promise<Created<Representation<F>>>;
  get(id: string, query: object): Promise<Representation<F>>;
  replace(id: string, body: Partial<Values<F>>, ifMatch?: string): Promise<Representation<F>>;
  update(id: string, body: Partial<Values<F>>, ifMatch?: string): Promise<Representation<F>>;
  remove(id: string, ifMatch?: string): Promise<void>;
}

type Decorate = (target: object, key: string, descriptor: PropertyDescriptor) => void;

/** Decorators, parameter decorators and parameter types of one handler (its types feed the validation pipe). */
function route(proto: object, key: string, method: Decorate[], params: [ParameterDecorator, unknown][]): void {
  const descriptor = Object.getOwnPropertyDescriptor(proto, key)!;
  params.forEach(([decorate], i) => decorate(proto, key, i));
  Reflect.defineMetadata(
    'design:paramtypes',
    params.map(([, type]) => type),
    proto,
    key,
  );
  // In the order they would be written above the method (the last one applies first).
  applyDecorators(...(method as MethodDecorator[]).reverse())(proto, key, descriptor);
}

// By the first letter: 'an order', 'a user' (a leading u is usually said "you").

/**
 * The six routes of a resource (list, create, get, PUT, merge-patch PATCH, DELETE), documented and guarded.
 * The module's controller extends the returned class under its own `@Controller` and may add routes:
 *
 *   @Controller({ path: 'products', version: '1' })
 *   export class ProductsController extends resourceController(products, auth) {
 *     constructor(service: ProductsService) { super(service); }
 *   }
 */
export function resourceController<F extends Fields>(
  resource: ResourceDefinition<F>,
  auth: ResourceAuth,
): new (service: ResourceService<F>) => ResourceControllerBase<F> {
  const { name, plural, idName } = resource;
  const one = `${article(name)} ${name}`;
  const id = `:${idName}`;
  const ifMatch = ApiHeader({ name: 'If-Match', required: false, description: 'ETag from a GET; 412 when stale' });
  const idParam = ApiParam({
    name: idName,
    description: `the ${name} id`,
    // In the schema: Nest drops a parameter's own example when a schema is given.
    schema: { type: 'string', maxLength: 40, pattern: '^[0-9A-Za-z_-]+$', example: EXAMPLE.id },
  });
  // `x-resource` marks the kit's operations in the document: the typed-client test exercises a resource it
  // finds there by the document alone (test/support/kit-resources.ts), without a hand-written call.
  const described = resourceDescriptions(resource);
  const op = (operationId: string, summary: string, verb: keyof typeof described) =>
    applyDecorators(
      ApiOperation({ operationId, summary, description: described[verb] }),
      ApiExtension('x-resource', { name, plural, idName }),
    );
  // `x-unique` names what a 409 of a write is about (the document's problem examples quote it).
  const unique = uniqueFields(resource);
  const uniqueDoc = (unique.length > 0 ? ApiExtension('x-unique', unique) : applyDecorators()) as Decorate;

  class ResourceController implements ResourceControllerBase<F> {
    constructor(readonly service: ResourceService<F>) {}

    list(query: ListQuery, request: FastifyRequest) {
      // CSV without `limit` is the whole collection from `offset`, streamed; with `limit`, that page.
      const limited = (request.query as Record<string, unknown> | undefined)?.limit !== undefined;
      if (request.rest?.format === CSV_TYPE && !limited) return this.service.export(query);
      return this.service.list(query);
    }

    async create(body: Partial<Values<F>>) {
      const created = await this.service.create(body);
      return new Created(created, `/api/v1/${plural}/${String(created[idName])}`);
    }

    get(resourceId: string, _query: object) {
      return this.service.get(resourceId);
    }

    replace(resourceId: string, body: Partial<Values<F>>, ifMatchHeader?: string) {
      return this.service.replace(resourceId, body, ifMatchHeader);
    }

    update(resourceId: string, body: Partial<Values<F>>, ifMatchHeader?: string) {
      return this.service.patch(resourceId, body, ifMatchHeader);
    }

    remove(resourceId: string, ifMatchHeader?: string) {
      return this.service.remove(resourceId, ifMatchHeader);
    }
  }
  const proto = ResourceController.prototype;
  const Name = pascal(name);
  const [read, write] = [auth.read as Decorate, auth.write as Decorate];
  const extra = auth.writeProblems ?? [];
  const envelope = (options = {}) => ApiEnvelope(resource.dto, options) as Decorate;
  const problems = (...statuses: number[]) => ApiProblemResponses(...statuses) as Decorate;
  // Swagger merges @Headers('If-Match') with the documented optional header of the same name.
  const header = Headers('If-Match');
  route(
    proto,
    'list',
    [
      Get(),
      read,
      op(`list${pascal(plural)}`, `List ${plural} (filter, sort, page, fields)`, 'list'),
      envelope({ list: true }),
    ],
    [
      [Query(), resource.listQuery],
      [Req(), Object],
    ],
  );
  route(
    proto,
    'create',
    [
      Post(),
      write,
      op(`create${Name}`, `Create ${one}`, 'create'),
      uniqueDoc,
      envelope({ status: 201 }),
      problems(409, 413, 415, ...extra),
    ],
    [[Body(), resource.createDto]],
  );
  route(
    proto,
    'get',
    [Get(id), read, idParam, op(`get${Name}`, `Get one ${name}`, 'get'), envelope(), problems(404)],
    // The `fields` query of GET by id: declared, or the validation pipe would refuse it as unknown.
    [
      [Param(idName), String],
      [Query(), resource.fieldsQuery],
    ],
  );
  const writeOne = (verb: 'replace' | 'update', decorate: Decorate, summary: string, more: Decorate[]) =>
    route(
      proto,
      verb,
      [
        decorate,
        write,
        idParam,
        ifMatch,
        op(`${verb}${Name}`, summary, verb),
        uniqueDoc,
        ...more,
        problems(404, 409, 412, 413, 415, ...extra),
      ],
      [
        [Param(idName), String],
        [Body(), verb === 'replace' ? resource.replaceDto : resource.updateDto],
        [header, String],
      ],
    );
  writeOne('replace', Put(id), `Replace ${one}`, [envelope()]);
  writeOne('update', Patch(id), `Update some properties of ${one} (JSON merge patch)`, [
    ApiBody({ type: resource.updateDto, description: `application/json or ${MERGE_PATCH_TYPE}` }) as Decorate,
    envelope({ consumes: [MERGE_PATCH_TYPE] }),
  ]);
  route(
    proto,
    'remove',
    [
      Delete(id),
      HttpCode(204),
      write,
      idParam,
      ifMatch,
      op(`delete${Name}`, `Delete ${one}`, 'delete'),
      ApiNoContentResponse({ description: 'deleted' }),
      problems(400, 401, 403, 404, 406, 412, 429),
    ],
    [
      [Param(idName), String],
      [header, String],
    ],
  );
  return ResourceController;
}
