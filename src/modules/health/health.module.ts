import { TerminusModule } from '@nestjs/terminus';
import { FeatureModule } from '../../common/resource/module-manifest.js';
import { DatabaseProbe } from '../../database/database-probe.js';
import { DependencyChecks } from './dependency-checks.js';
import { HealthController } from './health.controller.js';

@FeatureModule({
  manifest: { apiTags: { operations: 'Health probes, version, metrics, SLA status and debug details for operators.' } },
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json', gracefulShutdownTimeoutMs: 0 })],
  controllers: [HealthController],
  providers: [DatabaseProbe, DependencyChecks],
})
export class HealthModule {}
