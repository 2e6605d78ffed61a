import { registeredScopes } from '../../common/resource/module-manifest.js';

export const SCOPES = [
  'users:read',
  'users:write',
  'payments:read',
  'payments:write',
  'messages:write',
  'integrations:read',
  'webhooks:read',
  'webhooks:admin',
  'ops:read',
  'ops:admin',
] as const;

/**
 * Scopes declared by feature modules, by declaration merging, so `@Auth('products:read')` compiles without
 * editing this file; the module also lists them (with descriptions) in its manifest for the runtime:
 *
 *   declare module '../auth/scopes.js' { interface ModuleScopes { 'products:read': true } }
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by other modules' augmentations
export interface ModuleScopes {}

export type Scope = (typeof SCOPES)[number] | (keyof ModuleScopes & string);

export const SCOPE_DESCRIPTIONS: Record<(typeof SCOPES)[number], string> = {
  'users:read': 'read users and profiles',
  'users:write': 'create, update and delete users',
  'payments:read': 'read payments',
  'payments:write': 'create payments',
  'messages:write': 'send and read email and SMS messages',
  'integrations:read': 'read integration state and geocode',
  'webhooks:read': 'read the webhook inbox',
  'webhooks:admin': 'replay webhook events',
  'ops:read': 'read metrics',
  'ops:admin': 'read /debug',
};

/** Every scope: this module's and those registered by feature modules (their manifests). */
export function scopeDescriptions(): Record<string, string> {
  return { ...SCOPE_DESCRIPTIONS, ...registeredScopes() };
}

export function allScopes(): string[] {
  return Object.keys(scopeDescriptions());
}
