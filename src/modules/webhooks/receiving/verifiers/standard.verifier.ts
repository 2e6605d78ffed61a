import { createSecretKey, type KeyObject } from 'node:crypto';
import { TimestampedHmacVerifier, type SignedHeaders } from './timestamped.verifier.js';
import { header, hmacKeys, isHeaderId, type VerifierOptions, type WebhookHeaders } from './verifier.js';

const SECRET_PREFIX = 'whsec_';
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Base64 of a 32-byte HMAC-SHA256 digest. */
const V1_SIGNATURE = /^[A-Za-z0-9+/]{43}=$/;

/** The key bytes of a `whsec_<base64>` secret; throws (without echoing the secret) when it is not one. */
export function standardSecretKey(secret: string, index: number): KeyObject {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  if (encoded.length === 0 || !STRICT_BASE64.test(encoded)) {
    throw new Error(`standard webhook secret #${index + 1} is not "whsec_" followed by base64`);
  }
  return createSecretKey(Buffer.from(encoded, 'base64'));
}

/**
 * Standard Webhooks (Svix): `webhook-signature` lists `v1,<base64 HMAC-SHA256>` entries, separated by
 * spaces, over the bytes `${webhook-id}.${webhook-timestamp}.` followed by the raw body.
 */
export class StandardWebhookVerifier extends TimestampedHmacVerifier {
  readonly scheme = 'standard' as const;

  constructor(secrets: readonly string[], options: VerifierOptions) {
    super(hmacKeys('standard', secrets, standardSecretKey), options);
  }

  protected signedHeaders(headers: WebhookHeaders): SignedHeaders | undefined {
    const id = header(headers, 'webhook-id');
    const timestamp = header(headers, 'webhook-timestamp');
    const signatureHeader = header(headers, 'webhook-signature');
    if (!id || !timestamp || !signatureHeader || !isHeaderId(id)) return undefined;

    const signatures = signatureHeader
      .split(' ')
      .filter((entry) => entry.startsWith('v1,'))
      .map((entry) => entry.slice(3))
      .filter((sig) => V1_SIGNATURE.test(sig))
      .map((sig) => Buffer.from(sig, 'base64'));
    return { timestamp, prefix: `${id}.${timestamp}.`, signatures, eventId: id };
  }
}
