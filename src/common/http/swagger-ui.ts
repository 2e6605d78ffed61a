import { createHash } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

type OnSendDone = (error: Error | null, payload?: unknown) => void;

/** Where Swagger UI is served; its document at `${DOCS_PATH}/openapi.json` and `.yaml`. */
export const DOCS_PATH = 'docs';

/** The script Swagger UI's page loads its options and the document from (built once by @nestjs/swagger). */
const INIT_SCRIPT = `/${DOCS_PATH}/swagger-ui-init.js`;

/** The global of the page swagger-ui-bundle.js defines; the plugins below run in the browser. */
declare const SwaggerUIBundle: { plugins: { DownloadUrl: (system: unknown) => unknown } };

interface ImmutableMap {
  filter(keep: (value: ImmutableMap) => boolean): ImmutableMap;
  get(key: string): unknown;
}

/**
 * The Authorize dialog lists what a client developer authorizes with: bearer tokens and OAuth 2.0. An
 * `apiKey` scheme here is a webhook signature (an HMAC over each body, made by the sender), which no one
 * types into a dialog; it stays in the document for the receiver's operation.
 *
 * Serialised into swagger-ui-init.js by its source text (Function#toString): it must not use anything
 * from this module's scope.
 */
function authorizeWithCredentialsOnly(): unknown {
  const credentialsOnly = (definitions: ImmutableMap | undefined) =>
    definitions?.filter((scheme) => scheme.get('type') !== 'apiKey');
  return {
    statePlugins: {
      spec: {
        wrapSelectors: {
          securityDefinitions:
            (original: (...args: unknown[]) => ImmutableMap | undefined) =>
            (_state: unknown, ...args: unknown[]) =>
              credentialsOnly(original(...args)),
        },
      },
    },
  };
}

/** Swagger UI's default plugin (the top bar's document URL), which a `plugins` option would drop. */
function downloadUrl(system: unknown): unknown {
  return SwaggerUIBundle.plugins.DownloadUrl(system);
}

/**
 * swagger-ui-init.js holds the whole document (about 700 kB) and is the same until the app restarts:
 * the browser keeps it and revalidates (ETag, 304) instead of fetching it again on every visit. Its
 * siblings (swagger-ui-bundle.js, ...) are static files @fastify/static already serves that way.
 */
function cacheInitScript(fastify: FastifyInstance): void {
  let tagged: { script: string; etag: string } | undefined;
  const revalidate = (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: OnSendDone) => {
    if (reply.statusCode !== 200 || typeof payload !== 'string') return done(null, payload);
    if (tagged?.script !== payload) {
      tagged = { script: payload, etag: `"${createHash('sha256').update(payload).digest('base64url').slice(0, 27)}"` };
    }
    const { etag } = tagged;
    reply.header('etag', etag).header('cache-control', 'no-cache');
    const match = request.headers['if-none-match'];
    if (match !== undefined && match.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) {
      reply.code(304);
      return done(null, '');
    }
    done(null, payload);
  };
  // On that route only (set as @nestjs/swagger registers it), not as a hook every answer passes.
  fastify.addHook('onRoute', (route) => {
    if (route.url !== INIT_SCRIPT) return;
    const own = route.onSend === undefined ? [] : Array.isArray(route.onSend) ? route.onSend : [route.onSend];
    route.onSend = [...own, revalidate];
  });
}

/** Swagger UI at /docs with the document at /docs/openapi.json and /docs/openapi.yaml. */
export function setupSwaggerUi(app: NestFastifyApplication, document: OpenAPIObject): void {
  cacheInitScript(app.getHttpAdapter().getInstance() as unknown as FastifyInstance);
  SwaggerModule.setup(DOCS_PATH, app, document, {
    jsonDocumentUrl: `${DOCS_PATH}/openapi.json`,
    yamlDocumentUrl: `${DOCS_PATH}/openapi.yaml`,
    swaggerOptions: {
      persistAuthorization: true,
      displayRequestDuration: true,
      plugins: [downloadUrl, authorizeWithCredentialsOnly],
    },
    customSiteTitle: 'Nest Integration Gateway API',
  });
}
