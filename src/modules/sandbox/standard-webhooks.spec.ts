import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { DEV_SECRETS } from '../../config/env.schema.js';
import { decodeWebhookSecret, signStandardWebhook, standardWebhookHeaders } from './standard-webhooks.js';

describe('Standard Webhooks signing (node:crypto)', () => {
  const secret = DEV_SECRETS.WEBHOOK_PAYMENT_SERVICE_SECRETS;
  const key = decodeWebhookSecret(secret);
  const body = JSON.stringify({ id: 'evt_1', type: 'payment.succeeded', data: { id: 'pay_1', note: '支払い' } });

  it('produces the same signature as the standardwebhooks package', () => {
    const ts = 1_700_000_000;
    expect(signStandardWebhook(key, 'evt_1', ts, body)).toBe(
      new Webhook(secret).sign('evt_1', new Date(ts * 1000), body),
    );
  });

  it('is accepted by standardwebhooks verify, and a tampered body is not', () => {
    const headers = standardWebhookHeaders(key, 'evt_1', Math.floor(Date.now() / 1000), body);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(secret).verify(body.replace('pay_1', 'pay_2'), headers)).toThrow(WebhookVerificationError);
    expect(() => new Webhook('whsec_' + Buffer.from('another').toString('base64')).verify(body, headers)).toThrow(
      WebhookVerificationError,
    );
  });

  it('rejects secrets that are not whsec_<base64>', () => {
    expect(() => decodeWebhookSecret('whsec_')).toThrow();
    expect(() => decodeWebhookSecret('whsec_not base64!')).toThrow();
    expect(decodeWebhookSecret(secret).toString('utf8')).toBe('sandbox-webhook-secret-0123456789');
  });
});
