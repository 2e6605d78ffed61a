import type { WebhookScheme, WebhookSourceConfig } from './app-config.types.js';

const SCHEMES: WebhookScheme[] = ['standard', 'stripe', 'github'];

/** `WEBHOOK_{SOURCE}_SCHEME` etc.; `{SOURCE}` is the upper snake case of the path segment. */
export function webhookSources(
  raw: Record<string, string | undefined>,
  problems: string[],
): Record<string, WebhookSourceConfig> {
  const sources: Record<string, WebhookSourceConfig> = {};
  for (const key of Object.keys(raw)) {
    const m = /^WEBHOOK_([A-Z0-9_]+)_SCHEME$/.exec(key);
    if (!m) continue;
    const upper = m[1];
    if (upper === 'INTERNAL') {
      problems.push(`${key}: the source name internal is reserved for the app's own follow-up events`);
      continue;
    }
    const scheme = raw[key] as WebhookScheme;
    if (!SCHEMES.includes(scheme)) {
      problems.push(`${key}: must be one of ${SCHEMES.join(', ')}`);
      continue;
    }
    const secrets = (raw[`WEBHOOK_${upper}_SECRETS`] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (secrets.length === 0) problems.push(`WEBHOOK_${upper}_SECRETS: at least one secret is required`);
    const allowedIps = (raw[`WEBHOOK_${upper}_ALLOWED_IPS`] ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    const name = upper.toLowerCase().replace(/_/g, '-');
    sources[name] = { name, scheme, secrets, allowedIps };
  }
  return sources;
}
