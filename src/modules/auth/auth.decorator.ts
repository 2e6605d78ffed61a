import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiOAuth2 } from '@nestjs/swagger';
import type { Scope } from './scopes.js';

export const AUTH_SCOPES = 'auth:scopes';
export const AUTH_METRICS_TOKEN = 'auth:metrics-token';

export interface Principal {
  sub: string;
  scopes: Set<string>;
}

/** Bearer token required, with every listed scope: guard, scopes and OpenAPI security in one. */
export function Auth(...scopes: Scope[]): MethodDecorator & ClassDecorator {
  return applyDecorators(SetMetadata(AUTH_SCOPES, scopes), ApiBearerAuth('bearer'), ApiOAuth2(scopes, 'oauth2'));
}

/** `/metrics` also accepts the static `METRICS_TOKEN` (for scrapers without OAuth). */
export function AllowMetricsToken(): MethodDecorator {
  return SetMetadata(AUTH_METRICS_TOKEN, true);
}
