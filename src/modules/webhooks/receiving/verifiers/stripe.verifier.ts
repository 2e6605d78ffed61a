import { TimestampedHmacVerifier, type SignedHeaders } from './timestamped.verifier.js';
import { header, hmacKeys, type VerifierOptions, type WebhookHeaders } from './verifier.js';

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
 * the raw body. The `whsec_...` secret is the key exactly as written (it is not base64-decoded). The
 * event id is the payload's `id`.
 */
export class StripeWebhookVerifier extends TimestampedHmacVerifier {
  readonly scheme = 'stripe' as const;

  constructor(secrets: readonly string[], options: VerifierOptions) {
    super(hmacKeys('stripe', secrets), options);
  }

  protected signedHeaders(headers: WebhookHeaders): SignedHeaders | undefined {
    const signatureHeader = header(headers, 'stripe-signature');
    const parsed = signatureHeader === undefined ? undefined : parseStripeSignature(signatureHeader);
    return parsed && { timestamp: parsed.t, prefix: `${parsed.t}.`, signatures: parsed.v1 };
  }
}
