import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants.js';
import type { FastifyRequest } from 'fastify';
import { TokenController } from '../../modules/auth/token.controller.js';
import { CredentialsRoute, isCredentialsRoute } from './credentials-route.js';

describe('CredentialsRoute', () => {
  it('marks the route config the guards and the access log read', () => {
    class Probe {
      @CredentialsRoute()
      marked(): void {}
      plain(): void {}
    }
    const config = (name: keyof Probe) => Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, Probe.prototype[name]);
    const request = (routeConfig: unknown) => ({ routeOptions: { config: routeConfig } }) as unknown as FastifyRequest;
    expect(isCredentialsRoute(request(config('marked')))).toBe(true);
    expect(isCredentialsRoute(request(config('plain')))).toBe(false);
    expect(isCredentialsRoute(request({}))).toBe(false);
  });

  it('is on the token endpoint (rate-limited, its query string never logged)', () => {
    const config = Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, TokenController.prototype.token) as unknown;
    expect(config).toEqual({ credentials: true });
  });
});
