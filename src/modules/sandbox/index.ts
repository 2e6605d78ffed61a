export { SandboxModule } from './sandbox.module.js';
export { SandboxService, SANDBOX_OVERRIDES, PAYMENT_WEBHOOK_PATH, type SandboxOverrides } from './sandbox.service.js';
export {
  createSandboxServer,
  settlementOf,
  type SandboxServer,
  type SandboxStats,
  type SandboxPayment,
} from './sandbox.server.js';
export {
  SANDBOX_SERVICES,
  type SandboxOptions,
  type SandboxCredentials,
  type SandboxServiceName,
} from './sandbox.options.js';
export { signStandardWebhook, standardWebhookHeaders, decodeWebhookSecret } from './standard-webhooks.js';
export type { FaultSpec } from './faults.js';
