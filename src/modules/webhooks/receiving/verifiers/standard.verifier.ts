import { createSecretKey, type KeyObject } from 'node:crypto';
import {
  fail,
  header,
  hmacSha256,
  isHeaderId,
  parseJson,
  parseUnixSeconds,
  sameBytes,
  stringProperty,
  withinTolerance,
  type VerifierOptions,
  type VerifyResult,
  type WebhookHeaders,
  type WebhookVerifier,
} from './verifier.js';

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
export class StandardWebhookVerifier implements WebhookVerifier {
  readonly scheme = 'standard' as const;
  private readonly keys: KeyObject[];

  constructor(
    secrets: readonly string[],
    private readonly options: VerifierOptions,
  ) {
    if (secrets.length === 0) throw new Error('standard webhook verifier needs at least one secret');
    this.keys = secrets.map(standardSecretKey);
  }

  verify(headers: WebhookHeaders, body: Buffer): VerifyResult {
    const id = header(headers, 'webhook-id');
    const timestampHeader = header(headers, 'webhook-timestamp');
    const signatureHeader = header(headers, 'webhook-signature');
    if (!id || !timestampHeader || !signatureHeader || !isHeaderId(id)) return fail('missing-headers');

    const given = signatureHeader
      .split(' ')
      .filter((entry) => entry.startsWith('v1,'))
      .map((entry) => entry.slice(3))
      .filter((sig) => V1_SIGNATURE.test(sig))
      .map((sig) => Buffer.from(sig, 'base64'));
    const prefix = `${id}.${timestampHeader}.`;
    const authentic = this.keys.some((key) => {
      const expected = hmacSha256(key, prefix, body);
      return given.some((sig) => sameBytes(expected, sig));
    });
    if (!authentic) return fail('signature');

    const timestamp = parseUnixSeconds(timestampHeader);
    if (timestamp === undefined || !withinTolerance(timestamp, this.options)) return fail('timestamp');

    const parsed = parseJson(body);
    const type = stringProperty(parsed?.value, 'type');
    if (!parsed || !type) return fail('payload');
    return { ok: true, eventId: id, type, payload: parsed.value, timestamp };
  }
}
