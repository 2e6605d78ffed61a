import { Global, Injectable, Module } from '@nestjs/common';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';

/**
 * A route a module serves outside Nest's router, in a Fastify context of its own: it reads its body raw
 * (a webhook signature covers the exact bytes) and no Nest guard, pipe or interceptor runs there.
 */
export interface RawBodyRoute {
  /** Registers the route on the root instance (configureApp calls it once, before the app is ready). */
  mount(fastify: FastifyInstance): void;
  /** Adds the route to the OpenAPI document, which Nest's scanner builds from Nest routes only. */
  document(document: OpenAPIObject): void;
  /** The document paths it adds: no Nest guard (so no rate limit) applies to them. */
  readonly paths: readonly string[];
}

/**
 * The raw-body routes of every module. A module adds its route when its provider is built (during
 * NestFactory.create), so configureApp can mount them after the app-wide hooks (request id, security
 * headers, access log, metrics) and before anything else, which then applies to them too.
 */
@Injectable()
export class RawBodyRoutes {
  private readonly routes: RawBodyRoute[] = [];

  add(route: RawBodyRoute): void {
    this.routes.push(route);
  }

  mount(fastify: FastifyInstance): void {
    for (const route of this.routes) route.mount(fastify);
  }

  document(document: OpenAPIObject): OpenAPIObject {
    for (const route of this.routes) route.document(document);
    return document;
  }

  /** Every path the routes document: served outside Nest's guards. */
  get paths(): string[] {
    return this.routes.flatMap((route) => route.paths);
  }
}

@Global()
@Module({ providers: [RawBodyRoutes], exports: [RawBodyRoutes] })
export class RawBodyRoutesModule {}
