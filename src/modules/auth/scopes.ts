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

export type Scope = (typeof SCOPES)[number];

export const SCOPE_DESCRIPTIONS: Record<Scope, string> = {
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

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}
