import type { OpenAPIObject } from '@nestjs/swagger';

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/**
 * The tags the operations use, each with the description its module declared (`apiTags` of its manifest),
 * in the order the paths first use them (the order Swagger UI shows them in). Tags already listed stay first.
 */
export function describeTags(document: OpenAPIObject, descriptions: Record<string, string>): OpenAPIObject {
  const used = new Set<string>();
  for (const item of Object.values(document.paths)) {
    for (const [method, operation] of Object.entries(item as Record<string, unknown>)) {
      if (METHODS.includes(method)) (operation as { tags?: string[] }).tags?.forEach((tag) => used.add(tag));
    }
  }
  const known = (document.tags ?? []).map((tag) => tag.name);
  const described = [...used]
    .filter((name) => descriptions[name] && !known.includes(name))
    .map((name) => ({ name, description: descriptions[name] }));
  document.tags = [...(document.tags ?? []), ...described];
  return document;
}
