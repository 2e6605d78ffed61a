import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { DataSource } from 'typeorm';
import type { AppConfig } from '../config/app.config.js';
import { dataSourceOptions } from './database.options.js';

/**
 * The data source the webhook receiver inserts through. On PostgreSQL it is a small pool of its own
 * (`DATABASE_WEBHOOK_POOL_SIZE`), so a provider's delivery is acknowledged even while the main pool is
 * saturated by slow reads: a pool of its own rather than a reserved share of one, because pg-pool hands
 * connections out first come, first served and has no priorities. On SQLite (one connection, writes
 * serialised) and with size 0 it is the main data source.
 */
export const WEBHOOK_INTAKE = Symbol('WEBHOOK_INTAKE');

class IntakeCloser implements OnApplicationShutdown {
  constructor(
    @Inject(WEBHOOK_INTAKE) private readonly intake: DataSource,
    private readonly main: DataSource,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.intake !== this.main && this.intake.isInitialized) await this.intake.destroy();
  }
}

@Global()
@Module({
  providers: [
    {
      provide: WEBHOOK_INTAKE,
      inject: [DataSource, ConfigService],
      useFactory: async (main: DataSource, config: ConfigService<AppConfig, true>): Promise<DataSource> => {
        const database = config.get('database', { infer: true });
        if (database.type !== 'postgres' || database.webhookPoolSize === 0) return main;
        const options = dataSourceOptions(database, { name: 'webhook-intake', size: database.webhookPoolSize });
        return new DataSource(options).initialize();
      },
    },
    IntakeCloser,
  ],
  exports: [WEBHOOK_INTAKE],
})
export class WebhookIntakeModule {}
