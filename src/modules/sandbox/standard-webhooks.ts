import { createHmac } from 'node:crypto';

const PREFIX = 'whsec_';

/** Decodes a Standard Webhooks secret (`whsec_<base64>`) to its key bytes. */
export function decodeWebhookSecret(secret: string): Buffer {
  const encoded = secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret;
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) throw new Error('webhook secret must be whsec_<base64>');
  const key = Buffer.from(encoded, 'base64');
  if (key.length === 0) throw new Error('webhook secret must not be empty');
  return key;
}

/**
 * Standard Webhooks signature: `v1,<base64 HMAC-SHA256("${id}.${timestamp}.${body}")>` keyed with
 * the base64-decoded secret. `timestamp` is in whole seconds since the epoch.
 */
export function signStandardWebhook(key: Buffer, id: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`, 'utf8').digest('base64');
  return `v1,${mac}`;
}

/** The three headers of one delivery attempt. */
export function standardWebhookHeaders(
  key: Buffer,
  id: string,
  timestamp: number,
  body: string,
): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signStandardWebhook(key, id, timestamp, body),
  };
}
