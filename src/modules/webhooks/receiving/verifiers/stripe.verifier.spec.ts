import { createHmac } from 'node:crypto';
import Stripe from 'stripe';
import { StripeWebhookVerifier } from './stripe.verifier.js';

const SECRET = 'whsec_test_secret_for_stripe_signatures';
const OTHER_SECRET = 'whsec_the_previous_secret';
const THIRD_SECRET = 'whsec_nobody_configured_this';
const NOW_S = 1_700_000_000;
const TOLERANCE_S = 300;
const options = { toleranceS: TOLERANCE_S, now: () => NOW_S * 1000 };

const event = JSON.stringify({
  id: 'evt_1QkX2bLkdIwHu7ix0nJ2Ky4T',
  object: 'event',
  type: 'payment_intent.succeeded',
  data: { object: { id: 'pi_1', amount: 1000 } },
});

/** Signed by Stripe's own test helper. */
function signed(secret: string, payload: string, timestamp = NOW_S) {
  const header = Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
  return { headers: { 'stripe-signature': header }, body: Buffer.from(payload) };
}

function hexMac(secret: string | Buffer, t: number | string, body: Buffer): string {
  return createHmac('sha256', secret).update(`${t}.`).update(body).digest('hex');
}

describe('StripeWebhookVerifier', () => {
  const verifier = new StripeWebhookVerifier([SECRET], options);

  it("accepts what stripe's generateTestHeaderString signs, with the payload's id and type", () => {
    const { headers, body } = signed(SECRET, event);
    expect(headers['stripe-signature']).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
    expect(verifier.verify(headers, body)).toEqual({
      ok: true,
      eventId: 'evt_1QkX2bLkdIwHu7ix0nJ2Ky4T',
      type: 'payment_intent.succeeded',
      payload: JSON.parse(event),
      timestamp: NOW_S,
    });
  });

  it("agrees with stripe's constructEvent on good and tampered deliveries", () => {
    const { headers, body } = signed(SECRET, event);
    const reference = (b: Buffer) => {
      try {
        Stripe.webhooks.constructEvent(b, headers['stripe-signature'], SECRET, TOLERANCE_S, undefined, NOW_S * 1000);
        return true;
      } catch {
        return false;
      }
    };
    const tampered = Buffer.from(event.replace('1000', '9000'));
    expect([verifier.verify(headers, body).ok, reference(body)]).toEqual([true, true]);
    expect([verifier.verify(headers, tampered).ok, reference(tampered)]).toEqual([false, false]);
  });

  it('uses the whsec_ secret literally as the HMAC key (not base64-decoded)', () => {
    const body = Buffer.from(event);
    const decodedKey = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
    const header = `t=${NOW_S},v1=${hexMac(decodedKey, NOW_S, body)}`;
    expect(verifier.verify({ 'stripe-signature': header }, body)).toEqual({ ok: false, reason: 'signature' });
    const literal = `t=${NOW_S},v1=${hexMac(SECRET, NOW_S, body)}`;
    expect(verifier.verify({ 'stripe-signature': literal }, body).ok).toBe(true);
  });

  it('rejects a tampered body, a wrong secret and a changed timestamp', () => {
    const { headers, body } = signed(SECRET, event);
    expect(verifier.verify(headers, Buffer.from(event + '\n'))).toEqual({ ok: false, reason: 'signature' });
    const moved = headers['stripe-signature'].replace(`t=${NOW_S}`, `t=${NOW_S + 1}`);
    expect(verifier.verify({ 'stripe-signature': moved }, body)).toEqual({ ok: false, reason: 'signature' });
    const wrong = signed(THIRD_SECRET, event);
    expect(verifier.verify(wrong.headers, wrong.body)).toEqual({ ok: false, reason: 'signature' });
  });

  it('accepts any of several v1 signatures and ignores v0 and malformed entries', () => {
    const body = Buffer.from(event);
    const good = hexMac(SECRET, NOW_S, body);
    const bad = hexMac(THIRD_SECRET, NOW_S, body);
    const header = `t=${NOW_S},v0=${good},v1=${bad},v1=zz,v1=${good}`;
    expect(verifier.verify({ 'stripe-signature': header }, body).ok).toBe(true);
    expect(verifier.verify({ 'stripe-signature': `t=${NOW_S},v0=${good}` }, body)).toEqual({
      ok: false,
      reason: 'missing-headers',
    });
    for (const v1 of [good.slice(0, 63), good + '00', `${good}zz`]) {
      expect(verifier.verify({ 'stripe-signature': `t=${NOW_S},v1=${v1}` }, body)).toEqual({
        ok: false,
        reason: 'missing-headers',
      });
    }
  });

  it('tries every configured secret (rotation): the second one matches', () => {
    const rotating = new StripeWebhookVerifier([OTHER_SECRET, SECRET], options);
    const { headers, body } = signed(SECRET, event);
    expect(rotating.verify(headers, body).ok).toBe(true);
    const byNone = signed(THIRD_SECRET, event);
    expect(rotating.verify(byNone.headers, byNone.body)).toEqual({ ok: false, reason: 'signature' });
  });

  it('reports a missing or unparseable Stripe-Signature header', () => {
    const body = Buffer.from(event);
    const good = hexMac(SECRET, NOW_S, body);
    for (const header of [undefined, '', `v1=${good}`, `t=${NOW_S}`, `t=${NOW_S},t=${NOW_S},v1=${good}`, 'garbage']) {
      expect(verifier.verify({ 'stripe-signature': header }, body)).toEqual({ ok: false, reason: 'missing-headers' });
    }
    expect(verifier.verify({}, body)).toEqual({ ok: false, reason: 'missing-headers' });
  });

  it('rejects timestamps more than the tolerance away, past or future, even when authentic', () => {
    for (const offset of [-TOLERANCE_S - 1, TOLERANCE_S + 1, -86_400, 86_400]) {
      const { headers, body } = signed(SECRET, event, NOW_S + offset);
      expect(verifier.verify(headers, body)).toEqual({ ok: false, reason: 'timestamp' });
    }
    for (const offset of [-TOLERANCE_S, TOLERANCE_S]) {
      const { headers, body } = signed(SECRET, event, NOW_S + offset);
      expect(verifier.verify(headers, body).ok).toBe(true);
    }
    // Stripe's own library only checks the past; future timestamps are refused here too.
    const future = signed(SECRET, event, NOW_S + TOLERANCE_S + 1);
    expect(() =>
      Stripe.webhooks.constructEvent(
        future.body,
        future.headers['stripe-signature'],
        SECRET,
        TOLERANCE_S,
        undefined,
        NOW_S * 1000,
      ),
    ).not.toThrow();
    const body = Buffer.from(event);
    const odd = `t=17e8,v1=${hexMac(SECRET, '17e8', body)}`;
    expect(verifier.verify({ 'stripe-signature': odd }, body)).toEqual({ ok: false, reason: 'timestamp' });
  });

  it('checks the signature over the raw bytes of a non-UTF-8 body, then refuses it as a payload', () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x7b, 0x7d, 0x80, 0xc3, 0x28]);
    const signature = hexMac(SECRET, NOW_S, bytes);
    const header = Stripe.webhooks.generateTestHeaderString({
      payload: '',
      secret: SECRET,
      timestamp: NOW_S,
      signature,
    });
    expect(verifier.verify({ 'stripe-signature': header }, bytes)).toEqual({ ok: false, reason: 'payload' });
    const flipped = Buffer.from(bytes);
    flipped[6] ^= 0x80;
    expect(verifier.verify({ 'stripe-signature': header }, flipped)).toEqual({ ok: false, reason: 'signature' });
  });

  it("refuses authentic bodies without a string id and type (the dedup key is the payload's id)", () => {
    for (const payload of [
      'nope',
      '{"type":"x"}',
      '{"id":"evt_1"}',
      '{"id":1,"type":"x"}',
      '[{"id":"e","type":"x"}]',
    ]) {
      const { headers, body } = signed(SECRET, payload);
      expect(verifier.verify(headers, body)).toEqual({ ok: false, reason: 'payload' });
    }
    const long = signed(SECRET, JSON.stringify({ id: 'e'.repeat(256), type: 'x' }));
    expect(verifier.verify(long.headers, long.body)).toEqual({ ok: false, reason: 'payload' });
  });
});
