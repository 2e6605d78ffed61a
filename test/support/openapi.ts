// The OpenAPI document as the app serves it, and the typed client generated from it (openapi-typescript).
// Used by `npm run openapi:client` (scripts/openapi-client.ts) and by the drift check
// (test/openapi-client-types.e2e-spec.ts), so both render the file byte for byte the same way.
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { OpenAPIObject } from '@nestjs/swagger';
import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3 } from 'openapi-typescript';
import { createApp } from '../../src/app.setup.js';
import { loadConfig } from '../../src/config/app.config.js';

/** The committed types of the generated client, relative to the repository root. */
export const CLIENT_TYPES_FILE = 'test/generated/openapi.d.ts';
/** What a developer runs when the committed types are stale. */
export const REGENERATE_COMMAND = 'npm run openapi:client';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

/** Every operation of a document with its path template and method. */
export function documentOperations(
  document: OpenAPIObject,
): { path: string; method: string; op: Record<string, unknown> }[] {
  return Object.entries(document.paths).flatMap(([path, item]) => {
    const methods = item as Record<string, unknown>;
    return METHODS.filter((m) => methods[m]).map((m) => ({
      path,
      method: m,
      op: methods[m] as Record<string, unknown>,
    }));
  });
}

/** `GET /docs/openapi.json` of a running app (in process, no socket). */
export async function servedDocument(app: NestFastifyApplication): Promise<OpenAPIObject> {
  const res = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url: '/docs/openapi.json' });
  if (res.statusCode !== 200) throw new Error(`GET /docs/openapi.json answered ${res.statusCode}`);
  return JSON.parse(res.body) as OpenAPIObject;
}

/**
 * The document of an app with the default configuration (in-memory SQLite, no Redis, no sandbox), independent of
 * the environment the command or the test runs in, so the generated file is the same everywhere.
 */
export async function defaultDocument(): Promise<OpenAPIObject> {
  const app = await createApp(
    loadConfig({
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      SQLITE_PATH: ':memory:',
      DATABASE_URL: '',
      REDIS_URL: '',
      SANDBOX_ENABLED: 'false',
    }),
  );
  try {
    return await servedDocument(app);
  } finally {
    await app.close();
  }
}

/** The client types (`paths`, `components`, `operations`) of a document, as committed in CLIENT_TYPES_FILE. */
export async function clientTypesOf(document: OpenAPIObject): Promise<string> {
  // openapi-typescript may annotate the object it is given; the caller's document stays untouched.
  const ast = await openapiTS(structuredClone(document) as unknown as OpenAPI3, { silent: true });
  const note = `// Generated from GET /docs/openapi.json by \`${REGENERATE_COMMAND}\`; a test fails when it is stale.\n\n`;
  return `${COMMENT_HEADER}${note}${astToString(ast)}`;
}
