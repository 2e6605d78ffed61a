import { Logger } from '@nestjs/common';
import { RateLimitedLog } from '../common/observability/rate-limited-log.js';

interface ErrorSource {
  on(event: 'error', listener: (error: Error) => void): unknown;
}

const logger = new Logger('Redis');
const limit = new RateLimitedLog();

/**
 * Gives a Redis client (ioredis, node-redis, a BullMQ queue or worker) the error listener it must have:
 * without one ioredis writes "[ioredis] Unhandled error event" stacks to stderr (not JSON) and node-redis
 * crashes the process. While Redis is down every reconnect attempt errors, so one line per client and
 * interval goes to pino, with the count held back.
 */
export function logRedisErrors(client: ErrorSource, name: string): void {
  client.on('error', (error: Error) =>
    limit.run(name, (suppressed) =>
      logger.warn(
        { client: name, err: error.message, suppressed },
        `redis client ${name}: ${error.message} (${suppressed} more not logged)`,
      ),
    ),
  );
}
