// The integrations module's public surface: what other modules may import. A feature that calls an
// external service declares it with defineIntegration() and gets its gateway from IntegrationsRegistry.
export { ApiUpstreamProblems } from './api-docs.js';
export { BREAKER_STATES, INTEGRATION_STATES, IntegrationDto } from './dto/integration.dto.js';
export type { IntegrationState } from './dto/integration.dto.js';
export { defineIntegration, INTEGRATION_NAMES, isIntegrationName, perIntegration } from './integration-catalog.js';
export type { IntegrationContext, IntegrationDefinition, Integrations } from './integration-catalog.js';
export { IntegrationsModule } from './integrations.module.js';
export { IntegrationsRegistry } from './integrations.registry.js';
