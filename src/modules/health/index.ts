// The health module's public surface: what the composition root and other modules may use.
export { HealthModule } from './health.module.js';
