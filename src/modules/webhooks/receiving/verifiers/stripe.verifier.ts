import { createSecretKey, type KeyObject } from 'node:crypto';
import {
  fail,
  header,
  hmacSha256,
  MAX_EVENT_ID_LENGTH,
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

const V1_SIGNATURE = /^[0-9a-f]{64}$/i;

/** `t=<unix>,v1=<hex>[,v1=<hex>...]`; other schemes (`v0`) are ignored. Undefined when malformed. */
function parseStripeSignature(value: string): { t: string; v1: Buffer[] } | undefined {
  let t: string | undefined;
  const v1: Buffer[] = [];
  for (const item of value.split(',')) {
    const eq = item.indexOf('=');
    if (eq < 0) continue;
    const key = item.slice(0, eq).trim();
    const val = item.slice(eq + 1).trim();
    if (key === 't') {
      if (t !== undefined) return undefined;
      t = val;
    } else if (key === 'v1' && V1_SIGNATURE.test(val)) {
      v1.push(Buffer.from(val, 'hex'));
    }
  }
  return t && v1.length > 0 ? { t, v1 } : undefined;
}

/**
 * Stripe: `Stripe-Signature` carries the timestamp and hex HMAC-SHA256 signatures of `${t}.` followed by
 * the raw body. The `whsec_...` secret is the key exactly as written (it is not base64-decoded).
 */
export class StripeWebhookVerifier implements WebhookVerifier {
  readonly scheme = 'stripe' as const;
  private readonly keys: KeyObject[];

  constructor(
    secrets: readonly string[],
    private readonly options: VerifierOptions,
  ) {
    if (secrets.length === 0) throw new Error('stripe webhook verifier needs at least one secret');
    this.keys = secrets.map((secret) => createSecretKey(Buffer.from(secret, 'utf8')));
  }

  verify(headers: WebhookHeaders, body: Buffer): VerifyResult {
    const signatureHeader = header(headers, 'stripe-signature');
    const parsedHeader = signatureHeader === undefined ? undefined : parseStripeSignature(signatureHeader);
    if (!parsedHeader) return fail('missing-headers');

    const prefix = `${parsedHeader.t}.`;
    const authentic = this.keys.some((key) => {
      const expected = hmacSha256(key, prefix, body);
      return parsedHeader.v1.some((sig) => sameBytes(expected, sig));
    });
    if (!authentic) return fail('signature');

    const timestamp = parseUnixSeconds(parsedHeader.t);
    if (timestamp === undefined || !withinTolerance(timestamp, this.options)) return fail('timestamp');

    const parsed = parseJson(body);
    const eventId = stringProperty(parsed?.value, 'id', MAX_EVENT_ID_LENGTH);
    const type = stringProperty(parsed?.value, 'type');
    if (!parsed || !eventId || !type) return fail('payload');
    return { ok: true, eventId, type, payload: parsed.value, timestamp };
  }
}
