import { randomBytes } from 'node:crypto';
import formbody from '@fastify/formbody';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { afterFaultGuard, faultGuard } from '../fault-guards.js';
import { formDecode, header, isRecord, parseBasic, safeEqual, setBounded } from '../sandbox-http.js';
import type { SandboxState } from '../sandbox-state.js';

/** The fake OAuth 2.0 token endpoint (RFC 6749 §4.4, client credentials), at the root. */
export async function tokenPlugin(scope: FastifyInstance, { state }: { state: SandboxState }): Promise<void> {
  const { options } = state;
  const { credentials, maxEntries, now } = options;
  await scope.register(formbody);
  const oauthError = (reply: FastifyReply, status: number, error: string, description: string) => {
    state.counters.token.rejected += 1;
    void reply.code(status).header('cache-control', 'no-store').header('pragma', 'no-cache');
    if (status === 401) void reply.header('www-authenticate', 'Basic realm="sandbox", charset="UTF-8"');
    return reply.send({ error, error_description: description });
  };
  scope.setErrorHandler((err: FastifyError, _request, reply) => {
    const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    return oauthError(reply, status, status === 500 ? 'server_error' : 'invalid_request', err.message);
  });
  scope.addHook(
    'onRequest',
    faultGuard(state, 'token', () => state.counters.token),
  );
  scope.addHook('onSend', afterFaultGuard(state));
  scope.post('/oauth/token', async (request, reply) => {
    const body = isRecord(request.body) ? request.body : {};
    const params: Record<string, string | undefined> = {};
    for (const name of ['grant_type', 'scope', 'client_id', 'client_secret']) {
      const v = body[name];
      if (v === undefined) continue;
      if (typeof v !== 'string') return oauthError(reply, 400, 'invalid_request', `${name} must be given once`);
      params[name] = v;
    }
    const basic = parseBasic(header(request, 'authorization'));
    if (basic === null) return oauthError(reply, 401, 'invalid_client', 'malformed Basic credentials');
    if (basic && params.client_secret !== undefined) {
      return oauthError(reply, 400, 'invalid_request', 'use one client authentication method, not two');
    }
    let id: string | undefined;
    let secret: string | undefined;
    if (basic) {
      const candidates = [basic, { user: formDecode(basic.user), pass: formDecode(basic.pass) }];
      const match = candidates.find(
        (c) => safeEqual(c.user, credentials.payment.clientId) && safeEqual(c.pass, credentials.payment.clientSecret),
      );
      id = (match ?? candidates[1]).user;
      secret = (match ?? candidates[1]).pass;
      if (params.client_id !== undefined && params.client_id !== id) {
        return oauthError(reply, 400, 'invalid_request', 'client_id differs from the Basic credentials');
      }
    } else {
      id = params.client_id;
      secret = params.client_secret;
    }
    if (id === undefined || secret === undefined) {
      return oauthError(reply, 401, 'invalid_client', 'client authentication is required');
    }
    if (!safeEqual(id, credentials.payment.clientId) || !safeEqual(secret, credentials.payment.clientSecret)) {
      return oauthError(reply, 401, 'invalid_client', 'unknown client or wrong secret');
    }
    if (params.grant_type === undefined) return oauthError(reply, 400, 'invalid_request', 'grant_type is required');
    if (params.grant_type !== 'client_credentials') {
      return oauthError(reply, 400, 'unsupported_grant_type', 'only client_credentials is supported');
    }
    const requested = (params.scope ?? '').split(' ').filter(Boolean);
    const unknownScopes = requested.filter((s) => !options.scopes.includes(s));
    if (unknownScopes.length > 0) {
      return oauthError(reply, 400, 'invalid_scope', `scope not allowed: ${unknownScopes.join(' ')}`);
    }
    const scopeValue = (requested.length > 0 ? [...new Set(requested)] : options.scopes).join(' ');
    const accessToken = `sbx_${randomBytes(24).toString('base64url')}`;
    if (state.tokens.size >= maxEntries) {
      const t = now();
      for (const [k, v] of state.tokens) if (v.expiresAt <= t) state.tokens.delete(k);
    }
    setBounded(
      state.tokens,
      accessToken,
      { clientId: id, scope: scopeValue, expiresAt: now() + options.tokenTtlS * 1000 },
      maxEntries,
    );
    state.counters.token.issued += 1;
    return reply
      .code(200)
      .header('cache-control', 'no-store')
      .header('pragma', 'no-cache')
      .send({ access_token: accessToken, token_type: 'Bearer', expires_in: options.tokenTtlS, scope: scopeValue });
  });
}
