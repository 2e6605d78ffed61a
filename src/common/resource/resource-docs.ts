import { DEFAULT_LIMIT } from '../http/list-query.js';
import type { ResourceDefinition } from './define-resource.js';
import type { Fields } from './fields.js';

export type Verb = 'list' | 'create' | 'get' | 'replace' | 'update' | 'delete';

/** `a user`, `an order`. */
export const article = (word: string): string => (/^[aeio]/i.test(word) ? 'an' : 'a');

const code = (names: readonly string[]): string => names.map((n) => `\`${n}\``).join(' or ');

/** The unique fields of a resource: a write that repeats one of their values is answered 409. */
export const uniqueFields = <F extends Fields>(resource: ResourceDefinition<F>): string[] =>
  Object.keys(resource.fields).filter((key) => resource.fields[key].unique);

/**
 * What each operation of a resource does, from its declaration alone (its name, id, filters and unique
 * fields), so a resource of the kit is described in the document without a text of its own.
 */
export function resourceDescriptions<F extends Fields>(resource: ResourceDefinition<F>): Record<Verb, string> {
  const { name, plural, idName, filters } = resource;
  const a = article(name);
  const unique = uniqueFields(resource);
  const stale = 'With `If-Match` (the ETag of a full GET): 412 when it changed since.';
  const filtered = filters.length > 0 ? `, optionally filtered by exact ${code(filters)},` : '';
  return {
    list:
      `A page of ${plural} (\`offset\`, \`limit\`)${filtered} sorted (\`sort\`) and projected (\`fields\`). ` +
      `With no parameter: the first ${DEFAULT_LIMIT} ${plural}, every property.`,
    create:
      `Creates ${a} ${name} and answers it with its \`${idName}\` (a ULID), its \`Location\` and its \`ETag\`.` +
      (unique.length > 0 ? ` 409 when the ${unique.join(' or ')} is taken.` : ''),
    get:
      `One ${name} by id. Its \`ETag\` (of the full representation, without \`fields\`) is the \`If-Match\` of a ` +
      'later PUT, PATCH or DELETE.',
    replace: `Replaces every property of ${a} ${name}. ${stale}`,
    update: `Changes the properties sent (\`application/merge-patch+json\`, RFC 7396). ${stale}`,
    delete: `Deletes ${a} ${name} (204). ${stale}`,
  };
}
