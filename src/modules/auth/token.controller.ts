import { CredentialsRoute } from '../../common/http/credentials-route.js';
import { Body, Controller, Headers, HttpCode, Post, Req, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiConsumes,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiProperty,
  ApiPropertyOptional,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiProblemResponses } from '../../common/http/rest.decorators.js';
import { ProblemDto } from '../../common/http/rest.dto.js';
import { ClientsService } from './clients.service.js';
import { TokenService } from './token.service.js';

export class TokenRequestDto {
  @ApiProperty({ enum: ['client_credentials'] })
  grant_type!: string;

  @ApiPropertyOptional({ description: 'or use HTTP Basic', example: 'bootstrap', maxLength: 100, pattern: '^[^:]+$' })
  client_id?: string;

  @ApiPropertyOptional({
    description: 'or use HTTP Basic',
    example: 'dev-only-bootstrap-secret',
    maxLength: 500,
    format: 'password',
  })
  client_secret?: string;

  @ApiPropertyOptional({
    description: 'space-separated; narrows the token to these scopes',
    example: 'users:read users:write',
    maxLength: 1000,
    pattern: '^[a-z:]+( [a-z:]+)*$',
  })
  scope?: string;
}

export class TokenResponseDto {
  @ApiProperty({ maxLength: 4096, pattern: '^[A-Za-z0-9._-]+$' })
  access_token!: string;

  @ApiProperty({ enum: ['Bearer'] })
  token_type!: string;

  @ApiProperty({ example: 3600 })
  expires_in!: number;

  @ApiProperty({ example: 'users:read users:write', maxLength: 1000, pattern: '^[a-z:]*( [a-z:]+)*$' })
  scope!: string;
}

export class OAuthErrorDto {
  @ApiProperty({ enum: ['invalid_request', 'invalid_client', 'unsupported_grant_type', 'invalid_scope'] })
  error!: string;

  @ApiPropertyOptional({ maxLength: 1000, pattern: '^.*$' })
  error_description?: string;
}

type OAuthError = 'invalid_request' | 'invalid_client' | 'unsupported_grant_type' | 'invalid_scope';

function fail(reply: FastifyReply, status: number, error: OAuthError, description: string): OAuthErrorDto {
  reply.code(status).header('cache-control', 'no-store').header('pragma', 'no-cache');
  return { error, error_description: description };
}

/**
 * RFC 6749 §5.2: invalid_client is 401, with a challenge in the scheme the client tried. Only a client
 * that sent Basic gets `WWW-Authenticate: Basic`; a browser answers that challenge with its own login
 * box, which a form (Swagger UI's Authorize dialog) never asked for.
 */
function invalidClient(reply: FastifyReply, usedBasic: boolean, description: string): OAuthErrorDto {
  if (usedBasic) reply.header('www-authenticate', 'Basic realm="oauth"');
  return fail(reply, 401, 'invalid_client', description);
}

/** The documented `maxLength` of the scope parameter (TokenRequestDto). */
const MAX_SCOPE_LENGTH = 1000;
const PARAMETERS = ['grant_type', 'client_id', 'client_secret', 'scope'] as const;

// RFC 6749 §3.3: scope = scope-token *( SP scope-token ), scope-token = 1*NQCHAR. An empty value,
// or one with stray spaces, names no scope: it is refused rather than read as "every scope".
const SCOPE = /^[\x21\x23-\x5B\x5D-\x7E]+( [\x21\x23-\x5B\x5D-\x7E]+)*$/;

/** The Basic client credentials; undefined when none are sent, null when they cannot be decoded. */
function basicCredentials(header: string | undefined): [string, string] | undefined | null {
  const m = /^Basic\s+(.+)$/i.exec(header ?? '');
  if (!m) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  // RFC 6749 §2.3.1: id and secret are form-urlencoded before Basic encoding.
  try {
    return [decodeURIComponent(decoded.slice(0, i)), decodeURIComponent(decoded.slice(i + 1))];
  } catch {
    return null;
  }
}

/** A 400 answer of RFC 6749 §5.2. */
interface Refusal {
  error: OAuthError;
  description: string;
}

const isRefusal = (value: unknown): value is Refusal => typeof value === 'object' && value !== null && 'error' in value;

type Parameter = (typeof PARAMETERS)[number];

/** The four parameters, from the body only, each sent once. */
function readParameters(query: unknown, body: unknown): Partial<Record<Parameter, string>> | Refusal {
  // RFC 6749 §2.3.1: these parameters MUST NOT be in the request URI (it lands in logs and browser
  // histories); unrecognised ones are ignored there as in the body (§3.2).
  const inUri = PARAMETERS.find((name) => Object.hasOwn((query ?? {}) as object, name));
  if (inUri) return { error: 'invalid_request', description: `${inUri} belongs in the request body, not the URI` };
  const params = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  // RFC 6749 §3.2: a parameter MUST NOT be sent more than once (a form repeats it as an array).
  const malformed = PARAMETERS.find((name) => params[name] !== undefined && typeof params[name] !== 'string');
  if (malformed) return { error: 'invalid_request', description: `${malformed} must be sent once, as a string` };
  const read: Partial<Record<Parameter, string>> = {};
  for (const name of PARAMETERS) if (params[name] !== undefined) read[name] = params[name] as string;
  return read;
}

/** The scopes asked for (undefined when none is named), each granted to the client. */
function requestedScopes(scope: string | undefined, granted: string[]): string[] | undefined | Refusal {
  if (scope === undefined) return undefined;
  if (scope.length > MAX_SCOPE_LENGTH || !SCOPE.test(scope)) {
    return { error: 'invalid_scope', description: 'scope must list one or more scopes separated by single spaces' };
  }
  // A scope named twice is granted once: the token (and its length) cannot grow by repetition.
  const requested = [...new Set(scope.split(' '))];
  if (requested.some((s) => !granted.includes(s))) {
    return { error: 'invalid_scope', description: 'a requested scope is unknown or not granted to this client' };
  }
  return requested;
}

/** RFC 6749 §4.4 client credentials grant; errors are RFC 6749 §5.2 bodies, not problems. */
@ApiTags('auth')
@Controller('oauth')
export class TokenController {
  constructor(
    private readonly clients: ClientsService,
    private readonly tokens: TokenService,
  ) {}

  @Post('token')
  @HttpCode(200)
  @CredentialsRoute()
  @ApiOperation({
    operationId: 'issueToken',
    summary: 'OAuth 2.0 client credentials token',
    description:
      'Client credentials grant (RFC 6749 §4.4): the client id and secret as HTTP Basic or in the form or JSON ' +
      'body; `scope` narrows the token to some of the client’s scopes (all of them when left out). Errors are ' +
      'RFC 6749 JSON (`error`, `error_description`), not problems.',
  })
  @ApiConsumes('application/x-www-form-urlencoded', 'application/json')
  @ApiBody({ type: TokenRequestDto })
  @ApiExtraModels(OAuthErrorDto)
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiResponse({
    status: 400,
    description: 'RFC 6749 error; a problem when the body cannot be parsed at all (malformed JSON)',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(OAuthErrorDto) } },
      'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDto) } },
    },
  })
  @ApiResponse({ status: 401, description: 'invalid_client', schema: { $ref: getSchemaPath(OAuthErrorDto) } })
  @ApiProblemResponses(413, 415, 429)
  async token(
    @Req() request: FastifyRequest,
    @Body() body: unknown,
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenResponseDto | OAuthErrorDto> {
    const params = readParameters(request.query, body);
    if (isRefusal(params)) return fail(reply, 400, params.error, params.description);
    const usedBasic = /^Basic\b/i.test(authorization ?? '');
    const field = (name: Parameter) => params[name];
    const grantType = field('grant_type');
    if (!grantType) return fail(reply, 400, 'invalid_request', 'grant_type is required');
    if (grantType !== 'client_credentials')
      return fail(reply, 400, 'unsupported_grant_type', 'only client_credentials is supported');
    const basic = basicCredentials(authorization);
    if (basic === null) return invalidClient(reply, usedBasic, 'the Basic credentials are not form-urlencoded');
    // RFC 6749 §2.3.1: a client MUST NOT use more than one authentication method in a request.
    if (basic && (field('client_id') !== undefined || field('client_secret') !== undefined)) {
      return fail(reply, 400, 'invalid_request', 'use either HTTP Basic or client_id/client_secret, not both');
    }
    const clientId = basic?.[0] ?? field('client_id');
    const secret = basic?.[1] ?? field('client_secret');
    if (!clientId || !secret) return invalidClient(reply, usedBasic, 'client authentication is required');
    const granted = await this.clients.authenticate(clientId, secret);
    if (!granted) return invalidClient(reply, usedBasic, 'client authentication failed');
    const requested = requestedScopes(field('scope'), granted);
    if (isRefusal(requested)) return fail(reply, 400, requested.error, requested.description);
    const scopes = requested ?? granted;
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    return {
      access_token: await this.tokens.issue(clientId, scopes),
      token_type: 'Bearer',
      expires_in: this.tokens.ttlSeconds,
      scope: scopes.join(' '),
    };
  }
}
