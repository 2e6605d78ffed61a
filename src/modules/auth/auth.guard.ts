import { timingSafeEqual } from 'node:crypto';
import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { Problems } from '../../common/http/problem.js';
import { isApiRoute } from '../../common/http/route-scope.js';
import type { AppConfig } from '../../config/app.config.js';
import { AUTH_METRICS_TOKEN, AUTH_SCOPES, type Principal } from './auth.decorator.js';
import { TokenService } from './token.service.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
}

interface RouteAuth {
  scopes: string[] | undefined;
  metricsToken: boolean;
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Every `/api/*` route needs a bearer token (secure by default: a route without `@Auth` is refused,
 * webhook receivers live outside Nest's router); other routes only when they declare `@Auth(...)`.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly routes = new WeakMap<object, RouteAuth>();
  private readonly metricsToken: string;

  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenService,
    config: ConfigService<AppConfig, true>,
  ) {
    this.metricsToken = config.get('app.metricsToken', { infer: true });
  }

  private route(context: ExecutionContext): RouteAuth {
    const handler = context.getHandler();
    let info = this.routes.get(handler);
    if (!info) {
      const targets = [handler, context.getClass()];
      info = {
        scopes: this.reflector.getAllAndOverride<string[] | undefined>(AUTH_SCOPES, targets),
        metricsToken: this.reflector.get<boolean>(AUTH_METRICS_TOKEN, handler) === true,
      };
      this.routes.set(handler, info);
    }
    return info;
  }

  /** Synchronous when the token was verified before (nearly every request): no promise for NestJS to await. */
  canActivate(context: ExecutionContext): boolean | Promise<boolean> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const route = this.route(context);
    // Default deny by the matched route, never the request line (which may be absolute-form).
    if (route.scopes === undefined && !isApiRoute(request)) return true;
    const header = request.headers.authorization;
    if (!route.metricsToken && header?.startsWith('Bearer ')) {
      // A token verified before is looked up as sent: it matched the pattern below when it was first
      // verified, so the pattern (the costliest step of this guard) runs for new tokens only.
      const known = this.tokens.verifiedBefore(header.slice(7));
      if (known) return admit(request, known, route.scopes ?? []);
    }
    const match = header ? /^Bearer\s+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header) : null;
    if (!match) throw Problems.unauthorized({ 'www-authenticate': 'Bearer realm="api"' });
    if (route.metricsToken && this.metricsToken && sameSecret(match[1], this.metricsToken)) return true;
    const known = this.tokens.verifiedBefore(match[1]);
    if (known) return admit(request, known, route.scopes ?? []);
    return this.tokens.verify(match[1]).then((principal) => admit(request, principal, route.scopes ?? []));
  }
}

/** The principal on the request when the token is valid and carries every scope the route needs. */
function admit(request: FastifyRequest, principal: Principal | undefined, scopes: string[]): true {
  if (!principal) {
    throw Problems.unauthorized({
      'www-authenticate':
        'Bearer realm="api", error="invalid_token", error_description="the token is invalid or expired"',
    });
  }
  request.principal = principal;
  const missing = scopes.find((s) => !principal.scopes.has(s));
  if (missing) {
    throw Problems.forbidden(missing, {
      'www-authenticate': `Bearer realm="api", error="insufficient_scope", scope="${scopes.join(' ')}"`,
    });
  }
  return true;
}
