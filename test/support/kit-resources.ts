// The resources of the kit as the OpenAPI document shows them (operations marked `x-resource`), and one pass of
// calls over each, found from the document alone: a generated resource is exercised by the typed-client test
// (and its answers validated against the document) without a hand-written call there.
import type { OpenAPIObject } from '@nestjs/swagger';

export interface KitResource {
  name: string;
  plural: string;
  idName: string;
  /** Path templates of the collection and of one item. */
  collection: string;
  item: string;
  /** Every (METHOD template) of the resource in the document. */
  operations: string[];
}

type Json = Record<string, unknown>;
const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

export function kitResources(document: OpenAPIObject): KitResource[] {
  const found = new Map<string, KitResource>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const op = (item as Json)[method] as Json | undefined;
      const mark = op?.['x-resource'] as { name: string; plural: string; idName: string } | undefined;
      if (!mark) continue;
      const resource = found.get(mark.plural) ?? {
        ...mark,
        collection: '',
        item: '',
        operations: [],
      };
      if (path.endsWith(`{${mark.idName}}`)) resource.item = path;
      else resource.collection = path;
      resource.operations.push(`${method.toUpperCase()} ${path}`);
      found.set(mark.plural, resource);
    }
  }
  return [...found.values()];
}

/** A valid creation body: the documented example of every property of the POST body schema. */
export function sampleOf(document: OpenAPIObject, resource: KitResource): Json {
  const post = (document.paths[resource.collection] as Json).post as Json;
  const media = ((post.requestBody as Json).content as Json)['application/json'] as Json;
  const ref = String((media.schema as Json).$ref);
  const schema = document.components!.schemas![ref.split('/').pop()!] as Json;
  const properties = schema.properties as Record<string, Json>;
  return Object.fromEntries(Object.entries(properties).map(([key, p]) => [key, p.example]));
}

export type Check = (template: string, method: string, response: Response) => Promise<void>;

/** Create, list, get (and 304), PUT, merge-patch, a stale PUT (412), 404, DELETE: each answer goes to `check`. */
export async function exerciseResource(
  resource: KitResource,
  sample: Json,
  options: { baseUrl: string; token: string; check: Check },
): Promise<void> {
  const call = async (method: string, template: string, path: string, init: RequestInit = {}) => {
    const headers = { authorization: `Bearer ${options.token}`, ...(init.headers as Record<string, string>) };
    const response = await fetch(options.baseUrl + path, { ...init, method, headers });
    await options.check(template, method.toLowerCase(), response);
    return response;
  };
  const json = (body: unknown, type = 'application/json') => ({
    body: JSON.stringify(body),
    headers: { 'content-type': type },
  });
  const expectStatus = async (response: Response, status: number, what: string) => {
    if (response.status !== status) {
      throw new Error(`${resource.plural} ${what}: ${response.status} (expected ${status}) ${await response.text()}`);
    }
  };

  const created = await call('POST', resource.collection, resource.collection, json(sample));
  await expectStatus(created, 201, 'create');
  const id = String(((await created.json()) as { data: Json }).data[resource.idName]);
  const at = resource.item.replace(`{${resource.idName}}`, encodeURIComponent(id));
  await expectStatus(await call('GET', resource.collection, `${resource.collection}?limit=5`), 200, 'list');
  const read = await call('GET', resource.item, at);
  await expectStatus(read, 200, 'get');
  const etag = read.headers.get('etag') ?? '';
  await expectStatus(
    await call('GET', resource.item, at, { headers: { 'if-none-match': etag } }),
    304,
    'If-None-Match',
  );
  const replaced = await call('PUT', resource.item, at, {
    ...json(sample),
    headers: { ...json(sample).headers, 'if-match': etag },
  });
  await expectStatus(replaced, 200, 'replace');
  const [first] = Object.keys(sample);
  const patch = json({ [first]: sample[first] }, 'application/merge-patch+json');
  await expectStatus(await call('PATCH', resource.item, at, patch), 200, 'merge patch');
  const stale = await call('PUT', resource.item, at, {
    ...json(sample),
    headers: { ...json(sample).headers, 'if-match': etag },
  });
  await expectStatus(stale, 412, 'stale If-Match');
  const unknown = resource.item.replace(`{${resource.idName}}`, '01NOSUCH000000000000000000');
  await expectStatus(await call('GET', resource.item, unknown), 404, 'unknown id');
  await expectStatus(await call('DELETE', resource.item, at), 204, 'delete');
}
