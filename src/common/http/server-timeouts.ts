import type { AppConfig } from '../../config/app.config.js';

/**
 * Node's request, headers and keep-alive timeouts (Fastify leaves the request timeout off): a client
 * that sends its request byte by byte gets 408 (clientErrorHandler) instead of holding a connection.
 * Node looks for expired requests every `connectionsCheckingInterval` (30 s by default, as long as the
 * default request timeout): here every second, or a fifth of the shortest timeout when that is less,
 * so a timeout is kept to within that much.
 */
export function serverTimeouts(server: AppConfig['app']['server']) {
  const shortest = Math.min(...[server.headersTimeoutMs, server.requestTimeoutMs].filter((ms) => ms > 0));
  return {
    requestTimeout: server.requestTimeoutMs,
    keepAliveTimeout: server.keepAliveTimeoutMs,
    http: {
      headersTimeout: server.headersTimeoutMs,
      requestTimeout: server.requestTimeoutMs,
      connectionsCheckingInterval: Number.isFinite(shortest) ? Math.max(50, Math.min(1000, shortest / 5)) : 30000,
      // A request without Host gets a problem body from the first hook instead of Node's bare 400.
      requireHostHeader: false,
    },
  };
}
