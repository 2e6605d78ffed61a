import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Redis, RedisOptions } from 'ioredis';
import type { AppConfig } from '../config/app.config.js';
import { logRedisErrors } from './redis-errors.js';

/** The shared ioredis client, or null when `REDIS_URL` is empty (embedded mode). */
export const REDIS = Symbol('REDIS');

/**
 * An ioredis client whose copies (`duplicate()`, e.g. a subscriber) log their errors as it does.
 * ioredis is loaded here, on first use: without `REDIS_URL` the process never loads it (start-up time
 * and memory, issue 12).
 */
export async function createRedis(url: string, name: string): Promise<Redis> {
  const { Redis: Client } = await import('ioredis');
  class LoggedRedis extends Client {
    override duplicate(override?: Partial<RedisOptions>): Redis {
      const copy = super.duplicate(override);
      logRedisErrors(copy, override?.connectionName ?? `${this.options.connectionName ?? 'redis'}-copy`);
      return copy;
    }
  }
  const redis = new LoggedRedis(url, {
    connectionName: name,
    maxRetriesPerRequest: 2,
    enableOfflineQueue: true,
    lazyConnect: false,
  });
  logRedisErrors(redis, name);
  return redis;
}

class RedisCloser implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis | null) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.quit().catch(() => this.redis?.disconnect());
  }
}

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [ConfigService],
      useFactory: async (config: ConfigService<AppConfig, true>) => {
        const url = config.get('redis.url', { infer: true });
        return url ? await createRedis(url, 'app') : null;
      },
    },
    RedisCloser,
  ],
  exports: [REDIS],
})
export class RedisModule {}
