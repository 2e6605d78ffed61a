import type { AddressInfo } from 'node:net';
import { fastify, type FastifyError, type FastifyInstance } from 'fastify';
import { SandboxState } from './sandbox-state.js';
import { resolveSandboxOptions, type ResolvedSandboxOptions, type SandboxOptions } from './sandbox.options.js';
import type { SandboxServer } from './sandbox.types.js';
import { adminPlugin } from './services/admin.plugin.js';
import { instancesPlugin } from './services/instances.plugin.js';
import { tokenPlugin } from './services/token.plugin.js';

export { settlementOf } from './sandbox-state.js';
export type * from './sandbox.types.js';

const BODY_LIMIT = 256 * 1024;

/** The `error` of a failure answer: the RFC 6749 names where one fits, else a plain one. */
const ERROR_NAMES: Record<number, string> = {
  400: 'invalid_request',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
};

/** The Fastify server with its error answers and the plugins of every service. */
function sandboxApp(options: ResolvedSandboxOptions, state: SandboxState): FastifyInstance {
  const app = fastify({
    logger: options.logger,
    bodyLimit: BODY_LIMIT,
    forceCloseConnections: true,
    return503OnClosing: true,
  });
  app.setErrorHandler((err: FastifyError, _request, reply) => {
    const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    const error = ERROR_NAMES[status] ?? (status >= 500 ? 'server_error' : 'error');
    return reply.code(status).send({ error, message: status === 500 ? 'internal sandbox error' : err.message });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send({ error: 'not_found', message: `no route ${request.method} ${request.url.split('?')[0]}` }),
  );
  app.addHook('preClose', async () => state.cancelSleeps());
  void app.register(tokenPlugin, { state });
  void app.register(instancesPlugin, { state });
  void app.register(adminPlugin, { state });
  return app;
}

/**
 * Builds the sandbox: a standalone Fastify server faking the external services the integrations
 * call (token endpoint, payment, email, SMS, maps: one plugin each, under `services/`), plus its
 * fault-injection and inspection API. Nothing listens until `listen()`; `app.inject()` works without it.
 */
export function createSandboxServer(input: SandboxOptions): SandboxServer {
  const options = resolveSandboxOptions(input);
  const state = new SandboxState(options);
  let baseUrl: string | null = null;
  const app = sandboxApp(options, state);

  return {
    app,
    options,
    faults: state.faults,
    get url() {
      return baseUrl;
    },
    async listen(port = 0, host = '127.0.0.1') {
      await app.listen({ port, host });
      const address = app.server.address() as AddressInfo;
      const h = address.family === 'IPv6' ? `[${address.address}]` : address.address;
      baseUrl = `http://${h}:${address.port}`;
      return baseUrl;
    },
    async close() {
      state.stopTimers();
      await app.close();
      baseUrl = null;
    },
    stats: () => state.snapshotStats(),
    payment: (id) => {
      const p = state.payments.get(id);
      return p ? { ...p } : undefined;
    },
    reset() {
      state.faults.clear();
      state.resetStats();
    },
  };
}
