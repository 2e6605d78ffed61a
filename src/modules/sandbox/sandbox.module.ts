import { Module, type DynamicModule } from '@nestjs/common';
import { SANDBOX_OVERRIDES, SandboxService, type SandboxOverrides } from './sandbox.service.js';

/**
 * Starts the standalone sandbox server (fake external services, contract §5) with the
 * application and stops it on shutdown, when `SANDBOX_ENABLED`. Needs `ConfigService<AppConfig>`
 * from a global `ConfigModule` (keys `sandbox`, `integrations`, `webhooks`, `app.port`).
 */
@Module({ providers: [SandboxService], exports: [SandboxService] })
export class SandboxModule {
  /** The same module with timing overrides, e.g. `SandboxModule.forRoot({ settleDelayMs: 50 })` in e2e tests. */
  static forRoot(overrides: SandboxOverrides = {}): DynamicModule {
    return {
      module: SandboxModule,
      providers: [SandboxService, { provide: SANDBOX_OVERRIDES, useValue: overrides }],
      exports: [SandboxService],
    };
  }
}
