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
import { article, resourceDescriptions, uniqueFields, type Verb } from './resource-docs.js';
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

/** The handlers: each hands over to the service; the routes are declared on them by the functions below. */
function controllerClass<F extends Fields>(
  resource: ResourceDefinition<F>,
): new (service: ResourceService<F>) => ResourceControllerBase<F> {
  const { plural, idName } = resource;
  return class ResourceController implements ResourceControllerBase<F> {
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
  };
}

/** What the routes of one resource share: its names, and the decorators made of them. */
interface RouteKit<F extends Fields> {
  resource: ResourceDefinition<F>;
  /** 'a product', 'an order': for the summaries. */
  one: string;
  /** The resource name in PascalCase, for the operation ids. */
  Name: string;
  /** The path of one item, `:<idName>`. */
  id: string;
  read: Decorate;
  write: Decorate;
  /** Statuses the module's own rules answer on writes. */
  extra: number[];
  idParam: Decorate;
  ifMatch: Decorate;
  /** Swagger merges @Headers('If-Match') with the documented optional header of the same name. */
  header: ParameterDecorator;
  /** An operation: its id, summary and the kit's description of the verb (resource-docs.ts). */
  op: (operationId: string, summary: string, verb: Verb) => Decorate;
  /** `x-unique` on the writes: what a 409 is about (the document's problem examples quote it). */
  uniqueDoc: Decorate;
  envelope: (options?: object) => Decorate;
  problems: (...statuses: number[]) => Decorate;
}

function routeKit<F extends Fields>(resource: ResourceDefinition<F>, auth: ResourceAuth): RouteKit<F> {
  const { name, plural, idName } = resource;
  const described = resourceDescriptions(resource);
  const unique = uniqueFields(resource);
  return {
    resource,
    one: `${article(name)} ${name}`,
    Name: pascal(name),
    id: `:${idName}`,
    read: auth.read as Decorate,
    write: auth.write as Decorate,
    extra: auth.writeProblems ?? [],
    idParam: ApiParam({
      name: idName,
      description: `the ${name} id`,
      // In the schema: Nest drops a parameter's own example when a schema is given.
      schema: { type: 'string', maxLength: 40, pattern: '^[0-9A-Za-z_-]+$', example: EXAMPLE.id },
    }) as Decorate,
    ifMatch: ApiHeader({
      name: 'If-Match',
      required: false,
      description: 'ETag from a GET; 412 when stale',
    }) as Decorate,
    header: Headers('If-Match'),
    // `x-resource` marks the kit's operations in the document: the typed-client test exercises a resource it
    // finds there by the document alone (test/support/kit-resources.ts), without a hand-written call.
    op: (operationId, summary, verb) =>
      applyDecorators(
        ApiOperation({ operationId, summary, description: described[verb] }),
        ApiExtension('x-resource', { name, plural, idName }),
      ) as Decorate,
    uniqueDoc: (unique.length > 0 ? ApiExtension('x-unique', unique) : applyDecorators()) as Decorate,
    envelope: (options = {}) => ApiEnvelope(resource.dto, options) as Decorate,
    problems: (...statuses) => ApiProblemResponses(...statuses) as Decorate,
  };
}

/** `GET /` and `POST /`. */
function collectionRoutes<F extends Fields>(proto: object, kit: RouteKit<F>): void {
  const { resource, read, write, op, envelope, problems } = kit;
  route(
    proto,
    'list',
    [
      Get(),
      read,
      op(`list${pascal(resource.plural)}`, `List ${resource.plural} (filter, sort, page, fields)`, 'list'),
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
      op(`create${kit.Name}`, `Create ${kit.one}`, 'create'),
      kit.uniqueDoc,
      envelope({ status: 201 }),
      problems(409, 413, 415, ...kit.extra),
    ],
    [[Body(), resource.createDto]],
  );
}

/** `GET /:id`, `PUT /:id` and the merge-patch `PATCH /:id`. */
function itemRoutes<F extends Fields>(proto: object, kit: RouteKit<F>): void {
  const { resource, id, Name, one, read, write, idParam, ifMatch, op, envelope, problems } = kit;
  const idName = resource.idName;
  route(
    proto,
    'get',
    [Get(id), read, idParam, op(`get${Name}`, `Get one ${resource.name}`, 'get'), envelope(), problems(404)],
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
        kit.uniqueDoc,
        ...more,
        problems(404, 409, 412, 413, 415, ...kit.extra),
      ],
      [
        [Param(idName), String],
        [Body(), verb === 'replace' ? resource.replaceDto : resource.updateDto],
        [kit.header, String],
      ],
    );
  writeOne('replace', Put(id), `Replace ${one}`, [envelope()]);
  writeOne('update', Patch(id), `Update some properties of ${one} (JSON merge patch)`, [
    ApiBody({ type: resource.updateDto, description: `application/json or ${MERGE_PATCH_TYPE}` }) as Decorate,
    envelope({ consumes: [MERGE_PATCH_TYPE] }),
  ]);
}

/** `DELETE /:id`. */
function deleteRoute<F extends Fields>(proto: object, kit: RouteKit<F>): void {
  route(
    proto,
    'remove',
    [
      Delete(kit.id),
      HttpCode(204),
      kit.write,
      kit.idParam,
      kit.ifMatch,
      kit.op(`delete${kit.Name}`, `Delete ${kit.one}`, 'delete'),
      ApiNoContentResponse({ description: 'deleted' }),
      kit.problems(400, 401, 403, 404, 406, 412, 429),
    ],
    [
      [Param(kit.resource.idName), String],
      [kit.header, String],
    ],
  );
}

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
  const ResourceController = controllerClass(resource);
  const kit = routeKit(resource, auth);
  collectionRoutes(ResourceController.prototype, kit);
  itemRoutes(ResourceController.prototype, kit);
  deleteRoute(ResourceController.prototype, kit);
  return ResourceController;
}
