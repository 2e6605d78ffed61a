import compress from '@fastify/compress';
import type { FastifyCorsOptions } from '@fastify/cors';
import { Logger as NestLogger, RequestMethod, VersioningType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { Logger } from 'nestjs-pino';
import { createAccessLog } from './common/observability/access-log.js';
import { loggableUrl, wantsPrettyLogs } from './common/observability/logger.js';
import { randomUUID } from 'node:crypto';
import { AppModule, type AppExtras } from './app.module.js';
import { MERGE_PATCH_TYPE } from './common/http/negotiation.js';
import { clientErrorHandler, hostHeaderProblem, refuseConnect } from './common/http/client-error.js';
import { completeOpenApi } from './common/http/openapi.js';
import { INPUT_LIMITS, inputLimits } from './common/http/input-limits.js';
import { originForm } from './common/http/route-scope.js';
import { serverTimeouts } from './common/http/server-timeouts.js';
import { METHODS, routeTable, type RouteTable } from './common/http/route-table.js';
import { securityHeaders } from './common/http/security-headers.js';
import { handleError, ProblemDetailsFilter, sendProblem } from './common/http/problem.filter.js';
import { renderRestResponse } from './common/http/rest-response.js';
import { createValidationPipe } from './common/http/validation.js';
import { Lifecycle } from './common/observability/lifecycle.js';
import { MetricsService } from './common/observability/metrics.service.js';
import { SlaWindow } from './common/observability/sla-window.js';
import { loadConfig, processEnv, type AppConfig } from './config/app.config.js';
import { scopeDescriptions } from './modules/auth/scopes.js';
import { PACKAGE } from './modules/health/app-info.js';
import { registerWebhookIntake } from './modules/webhooks/raw-body.js';
import { documentWebhookReceiver } from './modules/webhooks/webhook-receiver.openapi.js';
import { WebhookReceiverService } from './modules/webhooks/webhook-receiver.service.js';

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Echo a sane `X-Request-Id`, otherwise generate one; the raw request carries it for pino-http. */
function genReqId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  const id = typeof given === 'string' && SANE_REQUEST_ID.test(given) ? given : `req_${randomUUID()}`;
  (req as IncomingMessage & { id: string }).id = id;
  return id;
}

function trustProxy(list: string[]): boolean | string[] {
  if (list.length === 0) return false;
  if (list.length === 1 && list[0] === 'true') return true;
  return list;
}

export function createAdapter(config: AppConfig): FastifyAdapter {
  const logger = new NestLogger('Http');
  return new FastifyAdapter({
    genReqId,
    rewriteUrl: originForm,
    // A malformed URL or an over-long path parameter is refused by the router before any hook
    // runs: still a problem document with the request id.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      reply.header('x-request-id', request.id);
      handleError(error, request, reply, logger);
    },
    clientErrorHandler,
    ...serverTimeouts(config.app.server),
    bodyLimit: config.app.bodyLimitBytes,
    trustProxy: trustProxy(config.app.trustProxy),
    logger: false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  });
}

/** A UUID that identifies this API across versions and renames (Zalando guide §215); never change it. */
const API_ID = '7f0c4b9e-3d1a-4c2b-9a6e-5e1f2d8c4a10';

/**
 * Response headers browser code may read under CORS (beyond the safelisted ones): every header the
 * OpenAPI document promises a client (rest-conventions.e2e-spec.ts checks the two agree).
 */
export const CLIENT_READABLE_HEADERS = [
  'ETag',
  'Location',
  'Content-Location',
  'X-Request-Id',
  'X-Total-Count',
  'Retry-After',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
  'Idempotent-Replayed',
  'WWW-Authenticate',
  'Allow',
] as const;

const OPS_ROUTES = ['health', 'health/live', 'health/ready', 'version', 'metrics', 'status', 'debug', 'oauth/token'];

export function buildOpenApi(app: NestFastifyApplication, appConfig: AppConfig): OpenAPIObject {
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
  return completeOpenApi(documentWebhookReceiver(document, appConfig.webhooks.maxBytes));
}

/** `OPTIONS /api/v1/<collection>`: the methods and parameters of that path, from the OpenAPI document. */
function optionsHandler(documented: RouteTable) {
  return (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    if (request.method !== 'OPTIONS' || request.headers['access-control-request-method']) return done();
    const path = request.url.split('?')[0];
    // Decided by the documented route the path belongs to (no Fastify route matches an OPTIONS here).
    const match = documented(path);
    if (!match || !match.template.startsWith('/api/')) return done();
    const methods = Object.entries(match.item)
      .filter(([m]) => (METHODS as readonly string[]).includes(m))
      .map(([m, op]) => {
        const operation = op as { summary?: string; parameters?: unknown[]; requestBody?: unknown; security?: unknown };
        return {
          method: m.toUpperCase(),
          summary: operation.summary,
          parameters: operation.parameters ?? [],
          requestBody: operation.requestBody,
          security: operation.security,
        };
      });
    reply
      .code(200)
      .header('allow', match.allow.join(', '))
      .type('application/json; charset=utf-8')
      .send(
        JSON.stringify({
          status: 'success',
          data: { path: match.template, methods },
          metadata: { requestId: request.id, timestamp: new Date().toISOString() },
        }),
      );
  };
}

/** Everything that makes the app behave as the contract says; `main.ts` and every test call it. */
export async function configureApp(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  app.useLogger(app.get(Logger));
  app.flushLogs();
  const metrics = app.get(MetricsService);
  const sla = app.get(SlaWindow);

  const security = securityHeaders({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', 'validator.swagger.io'],
        // TLS ends at the ingress; upgrading would break Swagger UI on plain-HTTP development servers.
        upgradeInsecureRequests: null,
      },
    },
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    for (const [name, value] of security) reply.header(name, value);
    reply.header('x-request-id', request.id);
    const badHost = hostHeaderProblem(request.raw);
    if (badHost) {
      reply.header('connection', 'close');
      sendProblem(reply, request, { type: 'bad-request', status: 400, detail: badHost });
      return;
    }
    done();
  });
  // Bounds on the parsed query and body before any guard, pipe or validator walks them.
  fastify.addHook('preValidation', inputLimits);
  // CONNECT never reaches the router: Node hands it to this listener or closes the connection unanswered.
  fastify.server.on('connect', refuseConnect);
  const access = createAccessLog({ level: config.app.logLevel, pretty: wantsPrettyLogs(config.app.env) });
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const probe = route.startsWith('/health');
    if (access.enabled && !probe) {
      access.write({
        requestId: request.id,
        method: request.method,
        url: loggableUrl(request.url, request.routeOptions.url),
        route,
        status: reply.statusCode,
        ms: Math.round(reply.elapsedTime * 100) / 100,
        client: request.principal?.sub,
        ip: request.ip,
      });
    }
    const seconds = reply.elapsedTime / 1000;
    metrics.observeRequest(request.method, route, reply.statusCode, seconds);
    if (!probe && route !== '/metrics') sla.recordRequest(reply.elapsedTime, reply.statusCode);
    done();
  });
  // No root error handler here: NestJS's init installs its own, which hands every error (Fastify's
  // 400/413/415 included) to ProblemDetailsFilter; setting one first only drew Fastify's FSTWRN004.

  // Webhook receivers: raw bodies in their own Fastify context, after the hooks above (request id,
  // security headers, access log, metrics) so they apply there too; authenticated by signature.
  const receiver = app.get(WebhookReceiverService);
  registerWebhookIntake(fastify, {
    sources: config.webhooks.sources,
    maxBytes: config.webhooks.maxBytes,
    handle: (delivery, request, reply) => receiver.receive(delivery, request, reply),
    onReject: (reason, source) => receiver.rejected(reason, source),
    logger: new NestLogger('Webhooks'),
  });

  await app.register(compress, { encodings: ['br', 'gzip'], threshold: 1024 });
  fastify.addContentTypeParser(MERGE_PATCH_TYPE, { parseAs: 'string' }, fastify.getDefaultJsonParser('error', 'error'));

  if (config.app.corsOrigins.length > 0) {
    const cors: FastifyCorsOptions = {
      origin: config.app.corsOrigins.includes('*') ? true : config.app.corsOrigins,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      exposedHeaders: [...CLIENT_READABLE_HEADERS],
      maxAge: 600,
    };
    const plain: FastifyCorsOptions = { ...cors, preflight: false };
    // @fastify/cors would answer every OPTIONS (a plain one with 400): only a real preflight is
    // CORS; any other OPTIONS goes on to the method listing of optionsHandler (contract §3).
    app.enableCors({
      delegator: (request, callback) =>
        callback(null, request.headers['access-control-request-method'] === undefined ? plain : cors),
    });
    // A preflight is answered by the CORS hook, which runs before the hook above that sets the id.
    fastify.addHook('onSend', (request, reply, payload, done) => {
      if (!reply.hasHeader('x-request-id')) reply.header('x-request-id', request.id);
      done(null, payload);
    });
  }

  app.setGlobalPrefix('api', { exclude: OPS_ROUTES.map((path) => ({ path, method: RequestMethod.ALL })) });
  app.enableVersioning({ type: VersioningType.URI });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemDetailsFilter());
  fastify.addHook('preSerialization', renderRestResponse);

  const document = buildOpenApi(app, config);
  const documented = routeTable(document);
  fastify.decorate('documentedPath', documented);
  fastify.addHook('onRequest', optionsHandler(documented));
  if (config.app.docsEnabled) {
    SwaggerModule.setup('docs', app, document, {
      jsonDocumentUrl: 'docs/openapi.json',
      yamlDocumentUrl: 'docs/openapi.yaml',
      swaggerOptions: { persistAuthorization: true, displayRequestDuration: true },
      customSiteTitle: 'Nest Integration Gateway API',
    });
  }
}

/** Builds, configures and initialises the app for a configuration (the default: the process env). */
export async function createApp(
  config: AppConfig = loadConfig(processEnv()),
  extras: AppExtras = {},
): Promise<NestFastifyApplication> {
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule.forRoot(config, extras),
    createAdapter(config),
    {
      bufferLogs: true,
      abortOnError: false,
    },
  );
  await configureApp(app, config);
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  app.get(Lifecycle).markReady();
  return app;
}
