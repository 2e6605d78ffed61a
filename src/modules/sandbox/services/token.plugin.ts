import { randomBytes } from 'node:crypto';
import formbody from '@fastify/formbody';
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { afterFaultGuard, faultGuard } from '../fault-guards.js';
import { formDecode, header, isRecord, parseBasic, safeEqual, setBounded } from '../sandbox-http.js';
import type { SandboxState } from '../sandbox-state.js';
import type { SandboxCredentials } from '../sandbox.options.js';

/** An OAuth 2.0 error answer (RFC 6749 §5.2). */
interface Refusal {
  refused: true;
  status: number;
  error: string;
  description: string;
}

const refuse = (status: number, error: string, description: string): Refusal => ({
  refused: true,
  status,
  error,
  description,
});

const isRefusal = (value: unknown): value is Refusal => isRecord(value) && value.refused === true;

type Params = Record<string, string | undefined>;

/** The form parameters the endpoint reads; each at most once. */
function formParams(body: unknown): Params | Refusal {
  const form = isRecord(body) ? body : {};
  const params: Params = {};
  for (const name of ['grant_type', 'scope', 'client_id', 'client_secret']) {
    const v = form[name];
    if (v === undefined) continue;
    if (typeof v !== 'string') return refuse(400, 'invalid_request', `${name} must be given once`);
    params[name] = v;
  }
  return params;
}

/** The client's id and secret, from Basic credentials or the form (one method, not both), checked. */
function authenticateClient(
  authorization: string | undefined,
  params: Params,
  expected: SandboxCredentials['payment'],
): string | Refusal {
  const basic = parseBasic(authorization);
  if (basic === null) return refuse(401, 'invalid_client', 'malformed Basic credentials');
  if (basic && params.client_secret !== undefined) {
    return refuse(400, 'invalid_request', 'use one client authentication method, not two');
  }
  let id: string | undefined;
  let secret: string | undefined;
  if (basic) {
    // RFC 6749 §2.3.1 form-encodes the id and secret before Basic; a client that does not is accepted too.
    const candidates = [basic, { user: formDecode(basic.user), pass: formDecode(basic.pass) }];
    const match = candidates.find(
      (c) => safeEqual(c.user, expected.clientId) && safeEqual(c.pass, expected.clientSecret),
    );
    id = (match ?? candidates[1]).user;
    secret = (match ?? candidates[1]).pass;
    if (params.client_id !== undefined && params.client_id !== id) {
      return refuse(400, 'invalid_request', 'client_id differs from the Basic credentials');
    }
  } else {
    id = params.client_id;
    secret = params.client_secret;
  }
  if (id === undefined || secret === undefined)
    return refuse(401, 'invalid_client', 'client authentication is required');
  if (!safeEqual(id, expected.clientId) || !safeEqual(secret, expected.clientSecret)) {
    return refuse(401, 'invalid_client', 'unknown client or wrong secret');
  }
  return id;
}

/** The grant type, then the scope granted: the one asked (each known), or every scope when none is asked. */
function grantedScope(params: Params, allowed: string[]): string | Refusal {
  if (params.grant_type === undefined) return refuse(400, 'invalid_request', 'grant_type is required');
  if (params.grant_type !== 'client_credentials') {
    return refuse(400, 'unsupported_grant_type', 'only client_credentials is supported');
  }
  const requested = (params.scope ?? '').split(' ').filter(Boolean);
  const unknownScopes = requested.filter((s) => !allowed.includes(s));
  if (unknownScopes.length > 0) return refuse(400, 'invalid_scope', `scope not allowed: ${unknownScopes.join(' ')}`);
  return (requested.length > 0 ? [...new Set(requested)] : allowed).join(' ');
}

/** Stores a new token; when the store is full, the expired ones go first. */
function issueToken(state: SandboxState, clientId: string, scope: string): string {
  const { maxEntries, now, tokenTtlS } = state.options;
  const accessToken = `sbx_${randomBytes(24).toString('base64url')}`;
  if (state.tokens.size >= maxEntries) {
    const t = now();
    for (const [k, v] of state.tokens) if (v.expiresAt <= t) state.tokens.delete(k);
  }
  setBounded(state.tokens, accessToken, { clientId, scope, expiresAt: now() + tokenTtlS * 1000 }, maxEntries);
  state.counters.token.issued += 1;
  return accessToken;
}

/** The fake OAuth 2.0 token endpoint (RFC 6749 §4.4, client credentials), at the root. */
export async function tokenPlugin(scope: FastifyInstance, { state }: { state: SandboxState }): Promise<void> {
  const { options } = state;
  await scope.register(formbody);
  const oauthError = (reply: FastifyReply, { status, error, description }: Omit<Refusal, 'refused'>) => {
    state.counters.token.rejected += 1;
    void reply.code(status).header('cache-control', 'no-store').header('pragma', 'no-cache');
    if (status === 401) void reply.header('www-authenticate', 'Basic realm="sandbox", charset="UTF-8"');
    return reply.send({ error, error_description: description });
  };
  scope.setErrorHandler((err: FastifyError, _request, reply) => {
    const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    const error = status === 500 ? 'server_error' : 'invalid_request';
    return oauthError(reply, { status, error, description: err.message });
  });
  scope.addHook(
    'onRequest',
    faultGuard(state, 'token', () => state.counters.token),
  );
  scope.addHook('onSend', afterFaultGuard(state));
  scope.post('/oauth/token', async (request, reply) => {
    const params = formParams(request.body);
    if (isRefusal(params)) return oauthError(reply, params);
    const clientId = authenticateClient(header(request, 'authorization'), params, options.credentials.payment);
    if (isRefusal(clientId)) return oauthError(reply, clientId);
    const scopeValue = grantedScope(params, options.scopes);
    if (isRefusal(scopeValue)) return oauthError(reply, scopeValue);
    const accessToken = issueToken(state, clientId, scopeValue);
    return reply
      .code(200)
      .header('cache-control', 'no-store')
      .header('pragma', 'no-cache')
      .send({ access_token: accessToken, token_type: 'Bearer', expires_in: options.tokenTtlS, scope: scopeValue });
  });
}
