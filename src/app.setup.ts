import compress from '@fastify/compress';
import { Logger as NestLogger, RequestMethod, VersioningType } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingMessage } from 'node:http';
import { Logger } from 'nestjs-pino';
import { createAccessLog } from './common/observability/access-log.js';
import { loggableUrl, wantsPrettyLogs } from './common/observability/logger.js';
import { isCredentialsRoute } from './common/http/credentials-route.js';
import { randomUUID } from 'node:crypto';
import { AppModule, type AppExtras } from './app.module.js';
import { buildOpenApi } from './app.openapi.js';
import { MERGE_PATCH_TYPE } from './common/http/negotiation.js';
import { clientErrorHandler, hostHeaderProblem, refuseConnect } from './common/http/client-error.js';
import { enableCors } from './common/http/cors.js';
import { optionsHandler } from './common/http/options-handler.js';
import { RawBodyRoutes } from './common/http/raw-body-routes.js';
import { inputLimits } from './common/http/input-limits.js';
import { setupSwaggerUi } from './common/http/swagger-ui.js';
import { originForm } from './common/http/route-scope.js';
import { serverTimeouts } from './common/http/server-timeouts.js';
import { routeTable } from './common/http/route-table.js';
import { securityHeaders } from './common/http/security-headers.js';
import { handleError, ProblemDetailsFilter, sendProblem } from './common/http/problem.filter.js';
import { renderRestResponse } from './common/http/rest-response.js';
import { createValidationPipe } from './common/http/validation.js';
import { Lifecycle } from './common/observability/lifecycle.js';
import { MetricsService } from './common/observability/metrics.service.js';
import { SlaWindow } from './common/observability/sla-window.js';
import { loadConfig, processEnv, type AppConfig } from './config/app.config.js';

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

const OPS_ROUTES = ['health', 'health/live', 'health/ready', 'version', 'metrics', 'status', 'debug', 'oauth/token'];

/** Everything that makes the app behave as the contract says; `main.ts` and every test call it. */
export async function configureApp(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  app.useLogger(app.get(Logger));
  app.flushLogs();
  addRequestHooks(fastify);
  addAccessLog(fastify, config, app.get(MetricsService), app.get(SlaWindow));
  // No root error handler here: NestJS's init installs its own, which hands every error (Fastify's
  // 400/413/415 included) to ProblemDetailsFilter; setting one first only drew Fastify's FSTWRN004.

  // Modules' raw-body routes (webhook receivers) in their own Fastify contexts, after the hooks above
  // (request id, security headers, access log, metrics) so they apply there too.
  app.get(RawBodyRoutes).mount(fastify);

  await app.register(compress, { encodings: ['br', 'gzip'], threshold: 1024 });
  fastify.addContentTypeParser(MERGE_PATCH_TYPE, { parseAs: 'string' }, fastify.getDefaultJsonParser('error', 'error'));
  enableCors(app, fastify, config.app.corsOrigins);

  app.setGlobalPrefix('api', { exclude: OPS_ROUTES.map((path) => ({ path, method: RequestMethod.ALL })) });
  app.enableVersioning({ type: VersioningType.URI });
  app.useGlobalPipes(createValidationPipe());
  app.useGlobalFilters(new ProblemDetailsFilter());
  fastify.addHook('preSerialization', renderRestResponse);
  serveDocument(app, fastify, config);
}

/** Security headers, the request id and the Host check on every answer; input bounds; CONNECT refused. */
function addRequestHooks(fastify: FastifyInstance): void {
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
}

/** One access log line, the request metrics and the SLA window per answer (health probes: metrics only). */
function addAccessLog(fastify: FastifyInstance, config: AppConfig, metrics: MetricsService, sla: SlaWindow): void {
  const access = createAccessLog({ level: config.app.logLevel, pretty: wantsPrettyLogs(config.app.env) });
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const probe = route.startsWith('/health');
    if (access.enabled && !probe) {
      access.write({
        requestId: request.id,
        method: request.method,
        url: loggableUrl(request.url, isCredentialsRoute(request)),
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
}

/** The OpenAPI document: the route table (405, OPTIONS) is read from it; Swagger UI serves it when enabled. */
function serveDocument(app: NestFastifyApplication, fastify: FastifyInstance, config: AppConfig): void {
  const document = buildOpenApi(app);
  const documented = routeTable(document);
  fastify.decorate('documentedPath', documented);
  fastify.addHook('onRequest', optionsHandler(documented));
  if (config.app.docsEnabled) {
    setupSwaggerUi(app, document);
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
