// The auth module's public surface: what the composition root and other modules may use.
export { AuthModule } from './auth.module.js';
export { AuthGuard } from './auth.guard.js';
export { Auth, AllowMetricsToken } from './auth.decorator.js';
export { scopeDescriptions, type Scope } from './scopes.js';
