import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import type { FastifyRequest, FastifyReply } from 'fastify';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Redis } from 'ioredis';
import { ProblemException } from './problem.js';
import { isCredentialsRoute } from './credentials-route.js';
import { isApiRoute } from './route-scope.js';

export const RATE_LIMIT_OPTIONS = Symbol('RATE_LIMIT_OPTIONS');

export interface RateLimitOptions {
  perMinute: number;
  redis: Redis | null;
  keyPrefix: string;
}

/**
 * Requests per client per minute on `/api/*` routes and routes marked `@CredentialsRoute()` (the token endpoint) (a raw-body route, see RawBodyRoutes,
 * is served outside every Nest guard, so exempt),
 * keyed by token subject, else client IP; counters in Redis when configured so every instance
 * shares them. Runs after the auth guard so the subject is known. Built on rate-limiter-flexible:
 * @nestjs/throttler 6 is CommonJS requiring the ESM-only @nestjs/common 12, which Jest cannot load.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly limiter: RateLimiterAbstract | undefined;

  constructor(@Inject(RATE_LIMIT_OPTIONS) private readonly options: RateLimitOptions) {
    if (options.perMinute <= 0) return;
    const common = { points: options.perMinute, duration: 60, keyPrefix: `${options.keyPrefix}rl` };
    this.limiter = options.redis
      ? new RateLimiterRedis({
          ...common,
          storeClient: options.redis,
          rejectIfRedisNotReady: true,
          // If Redis is unreachable each instance keeps limiting on its own rather than failing requests.
          insuranceLimiter: new RateLimiterMemory(common),
        })
      : new RateLimiterMemory(common);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (!this.limiter) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & { principal?: { sub: string } }>();
    // By the matched route: the request line may spell it in absolute-form (`http://host/...`).
    if (!(isApiRoute(request) || isCredentialsRoute(request))) return true;
    const key = request.principal ? `sub:${request.principal.sub}` : `ip:${request.ip}`;
    const reply = http.getResponse<FastifyReply>();
    try {
      const res = await this.limiter.consume(key);
      reply.header('ratelimit-limit', String(this.options.perMinute));
      reply.header('ratelimit-remaining', String(res.remainingPoints));
      reply.header('ratelimit-reset', String(Math.ceil(res.msBeforeNext / 1000)));
      return true;
    } catch (error) {
      if (!(error instanceof RateLimiterRes)) throw error;
      const retryAfter = String(Math.max(1, Math.ceil(error.msBeforeNext / 1000)));
      throw new ProblemException({
        type: 'too-many-requests',
        status: 429,
        params: { retryAfter },
        headers: {
          'retry-after': retryAfter,
          'ratelimit-limit': String(this.options.perMinute),
          'ratelimit-remaining': '0',
          'ratelimit-reset': retryAfter,
        },
      });
    }
  }
}
