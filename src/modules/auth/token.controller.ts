import { Body, Controller, Headers, HttpCode, Post, Res } from '@nestjs/common';
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
import type { FastifyReply } from 'fastify';
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
  // RFC 6749 §5.2: invalid_client answers 401 with a Basic challenge.
  if (status === 401) reply.header('www-authenticate', 'Basic realm="oauth"');
  return { error, error_description: description };
}

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
  @ApiOperation({ operationId: 'issueToken', summary: 'OAuth 2.0 client credentials token' })
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
    @Body() body: unknown,
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenResponseDto | OAuthErrorDto> {
    const params = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    const field = (name: string) => (typeof params[name] === 'string' ? (params[name] as string) : undefined);
    const grantType = field('grant_type');
    if (!grantType) return fail(reply, 400, 'invalid_request', 'grant_type is required');
    if (grantType !== 'client_credentials')
      return fail(reply, 400, 'unsupported_grant_type', 'only client_credentials is supported');
    const basic = basicCredentials(authorization);
    if (basic === null) return fail(reply, 401, 'invalid_client', 'the Basic credentials are not form-urlencoded');
    // RFC 6749 §2.3.1: a client MUST NOT use more than one authentication method in a request.
    if (basic && (field('client_id') !== undefined || field('client_secret') !== undefined)) {
      return fail(reply, 400, 'invalid_request', 'use either HTTP Basic or client_id/client_secret, not both');
    }
    const clientId = basic?.[0] ?? field('client_id');
    const secret = basic?.[1] ?? field('client_secret');
    if (!clientId || !secret) return fail(reply, 401, 'invalid_client', 'client authentication is required');
    const granted = await this.clients.authenticate(clientId, secret);
    if (!granted) return fail(reply, 401, 'invalid_client', 'client authentication failed');
    const requested = field('scope')?.split(' ').filter(Boolean);
    if (requested && requested.some((s) => !granted.includes(s))) {
      return fail(reply, 400, 'invalid_scope', 'a requested scope is unknown or not granted to this client');
    }
    const scopes = requested && requested.length > 0 ? requested : granted;
    reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
    return {
      access_token: await this.tokens.issue(clientId, scopes),
      token_type: 'Bearer',
      expires_in: this.tokens.ttlSeconds,
      scope: scopes.join(' '),
    };
  }
}
