// The server process: configuration, the app, listening and graceful shutdown (main.ts enables the compile cache first).
import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.setup.js';
import { ConfigValidationError, loadConfig, processEnv } from './config/app.config.js';
import { Lifecycle } from './common/observability/lifecycle.js';

async function bootstrap(): Promise<void> {
  let config;
  try {
    config = loadConfig(processEnv());
  } catch (error) {
    if (error instanceof ConfigValidationError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
  const app = await createApp(config);
  await app.listen(config.app.port, config.app.host);
  const logger = new Logger('Bootstrap');
  logger.log(`listening on ${await app.getUrl()} (docs at /docs)`);

  // Graceful shutdown: readiness goes 503 first so the load balancer stops sending traffic,
  // then in-flight requests finish (Fastify waits for them) and the process exits.
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log(`${signal}: draining for ${config.app.shutdownDrainMs} ms`);
    app.get(Lifecycle).markDraining();
    await new Promise((resolve) => setTimeout(resolve, config.app.shutdownDrainMs));
    await app.close();
    logger.log('closed');
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

void bootstrap();
