import { CacheModule } from '@nestjs/cache-manager';
import { Module, type DynamicModule, type ModuleMetadata, type Provider } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { LoggerModule } from 'nestjs-pino';
import type { Redis } from 'ioredis';
import { RATE_LIMIT_OPTIONS, RateLimitGuard } from './common/http/rate-limit.guard.js';
import { RawBodyRoutesModule } from './common/http/raw-body-routes.js';
import { RestGuard } from './common/http/rest.guard.js';
import { CacheMetrics } from './common/observability/cache-metrics.js';
import { createRootLogger, wantsPrettyLogs } from './common/observability/logger.js';
import { ObservabilityModule } from './common/observability/observability.module.js';
import type { AppConfig } from './config/app.config.js';
import { DataSource } from 'typeorm';
import { dataSourceOptions, runMigrations } from './database/database.options.js';
import { sharedCacheStore } from './database/redis-cache.js';
import { REDIS, RedisModule } from './database/redis.module.js';
import { WebhookIntakeModule } from './database/webhook-intake.js';
import { AuthGuard, AuthModule } from './modules/auth/index.js';
import { HealthModule } from './modules/health/index.js';
import { GeocodeModule } from './modules/geocode/index.js';
import { IntegrationsModule } from './modules/integrations/index.js';
import { MessagesModule } from './modules/messages/index.js';
import { PaymentsModule } from './modules/payments/index.js';
import { UsersModule } from './modules/users/index.js';
import { SandboxModule } from './modules/sandbox/index.js';
import { WebhooksModule } from './modules/webhooks/index.js';
import { featureModules } from './common/resource/module-manifest.js';

// Feature modules register themselves (FeatureModule): one import line each.

/** Modules and providers added to the application (tests: e.g. providers with `@WebhookHandler` methods). */
export interface AppExtras {
  imports?: ModuleMetadata['imports'];
  providers?: Provider[];
}

// Nest's own logs go through the same pino logger. Access logs are one line per request written by an
// onResponse hook (app.setup.ts): pino-http's per-request child logger cost about 13 % of a request's CPU,
// so no logging middleware runs per request.
const loggerModule = (config: AppConfig) =>
  LoggerModule.forRoot({
    pinoHttp: {
      logger: createRootLogger({ level: config.app.logLevel, pretty: wantsPrettyLogs(config.app.env) }),
    },
    forRoutes: [],
  });

const databaseModule = (config: AppConfig) =>
  TypeOrmModule.forRootAsync({
    useFactory: () => dataSourceOptions(config.database),
    // Migrations run before any repository exists, so no module sees an old schema.
    dataSourceFactory: async (options) => {
      const dataSource = await new DataSource(options!).initialize();
      await runMigrations(dataSource);
      return dataSource;
    },
  });

/** In memory, or shared through Redis when REDIS_URL is set. */
const cacheModule = (config: AppConfig) =>
  CacheModule.registerAsync({
    isGlobal: true,
    inject: [CacheMetrics],
    useFactory: async (metrics: CacheMetrics) => ({
      ttl: config.cache.ttlMs,
      ...(config.redis.url ? { stores: [await sharedCacheStore(config, metrics)] } : {}),
    }),
  });

/** The guards every route passes, and the options of the rate limit. */
const globalGuards = (): Provider[] => [
  {
    provide: RATE_LIMIT_OPTIONS,
    inject: [ConfigService, REDIS],
    useFactory: (cfg: ConfigService<AppConfig, true>, redis: Redis | null) => ({
      perMinute: cfg.get('app.rateLimitPerMinute', { infer: true }),
      redis,
      keyPrefix: cfg.get('redis.keyPrefix', { infer: true }),
    }),
  },
  // Order matters: authenticate first, so the rate limit can key on the token subject;
  // the REST request checks (400/415/406) run last, for requests that may proceed.
  { provide: APP_GUARD, useExisting: AuthGuard },
  { provide: APP_GUARD, useClass: RateLimitGuard },
  { provide: APP_GUARD, useClass: RestGuard },
];

@Module({})
export class AppModule {
  /** The whole application for one validated configuration (tests build it with their own). */
  static forRoot(config: AppConfig, extras: AppExtras = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({ isGlobal: true, ignoreEnvFile: true, load: [() => config] }),
        loggerModule(config),
        ObservabilityModule,
        RawBodyRoutesModule,
        RedisModule,
        databaseModule(config),
        WebhookIntakeModule,
        cacheModule(config),
        AuthModule,
        UsersModule,
        HealthModule,
        PaymentsModule,
        MessagesModule,
        GeocodeModule,
        IntegrationsModule,
        WebhooksModule,
        ...(config.sandbox.enabled ? [SandboxModule] : []),
        ...featureModules(),
        ...(extras.imports ?? []),
      ],
      providers: [...globalGuards(), ...(extras.providers ?? [])],
    };
  }
}
