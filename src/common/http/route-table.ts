import type { OpenAPIObject } from '@nestjs/swagger';

type PathItemObject = OpenAPIObject['paths'][string];

/** The operations of an OpenAPI path item (its other keys are parameters, summary, servers...). */
export const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

export interface DocumentedPath {
  template: string;
  item: PathItemObject;
  /** The methods an `Allow` header lists for it: the documented ones, HEAD with GET, OPTIONS under /api. */
  allow: string[];
}

/** Finds the documented path a concrete request path belongs to, from the OpenAPI document. */
export type RouteTable = (path: string) => DocumentedPath | undefined;

export function routeTable(document: OpenAPIObject): RouteTable {
  const paths = Object.entries(document.paths).map(([template, item]) => {
    const methods = METHODS.filter((m) => item[m] !== undefined).map((m) => m.toUpperCase());
    const allow = [
      ...(template.startsWith('/api/') ? ['OPTIONS'] : []),
      ...methods,
      ...(methods.includes('GET') ? ['HEAD'] : []),
    ];
    const pattern = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`);
    return { template, item, allow, pattern };
  });
  return (path) => paths.find((p) => p.pattern.test(path));
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Set once the OpenAPI document exists: a 404 on a documented path becomes a 405 with `Allow`. */
    documentedPath?: RouteTable;
  }
}
