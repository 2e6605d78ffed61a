import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { INPUT_LIMITS } from './common/http/input-limits.js';
import { completeOpenApi } from './common/http/openapi.js';
import { runnableExamples } from './common/http/openapi-examples.js';
import { describeTags } from './common/http/openapi-tags.js';
import { RawBodyRoutes } from './common/http/raw-body-routes.js';
import { scopeDescriptions } from './modules/auth/index.js';
import { PACKAGE } from './common/observability/app-info.js';
import { registeredApiTags } from './common/resource/module-manifest.js';

/** A UUID that identifies this API across versions and renames (Zalando guide §215); never change it. */
const API_ID = '7f0c4b9e-3d1a-4c2b-9a6e-5e1f2d8c4a10';

/** The served OpenAPI document: Nest's scan of the controllers, the raw-body routes, then facts true of every route. */
export function buildOpenApi(app: NestFastifyApplication): OpenAPIObject {
  const builder = new DocumentBuilder()
    .setTitle('Nest Integration Gateway')
    .setDescription(
      [
        'REST API following a strict design guide: every success is an envelope `{status, data, metadata}` (collections add `total` and paging links),',
        'every error an RFC 9457 problem (`application/problem+json`). Collections take `offset`/`limit`/`fields`/`sort` and filters;',
        'unknown parameters are rejected. Get a token from `POST /oauth/token` (client credentials) and use **Authorize**.',
        `A body nests at most ${INPUT_LIMITS.maxDepth} levels and holds at most ${INPUT_LIMITS.maxBodyValues} values, a query string`,
        `at most ${INPUT_LIMITS.maxQueryValues} parameter values (else 400); a validation problem lists at most 100 errors and counts the rest in \`errorsOmitted\`.`,
      ].join(' '),
    )
    // The API's version is the package's semantic version (the URI's v1 is only the major).
    .setVersion(PACKAGE.version)
    .setContact(
      'Nest Integration Gateway maintainers',
      'https://nest-integration-gateway.dev',
      'api@nest-integration-gateway.dev',
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'HS256 JWT access token from POST /oauth/token; issued and validated per RFC8725 (fixed algorithm, issuer, audience, expiry).',
      },
      'bearer',
    )
    .addOAuth2(
      {
        type: 'oauth2',
        description: 'Client credentials grant; the access token is a JWT following RFC8725 best practices.',
        flows: { clientCredentials: { tokenUrl: '/oauth/token', scopes: scopeDescriptions() } },
      },
      'oauth2',
    )
    .addServer('/', 'this server (local development, staging or production alike)', {});
  const config = builder.build();
  (config.servers![0] as unknown as Record<string, unknown>)['x-internal'] = false;
  // Zalando guide §215/§219: a stable id of this API (never changes) and who may call it.
  Object.assign(config.info, { 'x-api-id': API_ID, 'x-audience': 'external-partner' });
  const document = SwaggerModule.createDocument(app, config, { operationIdFactory: (_c, method) => method });
  const rawBodyRoutes = app.get(RawBodyRoutes);
  const completed = completeOpenApi(rawBodyRoutes.document(document), { unguarded: rawBodyRoutes.paths });
  return describeTags(runnableExamples(completed, { rawBody: rawBodyRoutes.paths }), registeredApiTags());
}
