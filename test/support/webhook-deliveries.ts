// Webhook deliveries signed by the providers' own npm packages.
import { randomUUID } from 'node:crypto';
import { sign as githubSign } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import Stripe from 'stripe';

export const STANDARD_SECRET = `whsec_${Buffer.from('acme-current-secret-0123456789ab').toString('base64')}`;
export const STANDARD_OLD_SECRET = `whsec_${Buffer.from('acme-previous-secret-0123456789a').toString('base64')}`;
export const STANDARD_UNKNOWN_SECRET = `whsec_${Buffer.from('nobody-configured-this-secret-01').toString('base64')}`;
export const STRIPE_SECRET = 'whsec_stripe_test_secret_for_e2e';
export const GITHUB_SECRET = "It's a Secret to Everybody";

export interface Delivery {
  headers: Record<string, string>;
  body: Buffer;
}

/** Standard Webhooks, signed by the `standardwebhooks` package. */
export function standardDelivery(
  payload: unknown,
  options: { id?: string; secret?: string; timestamp?: Date; body?: Buffer } = {},
): Delivery & { id: string } {
  const id = options.id ?? `msg_${randomUUID()}`;
  const body = options.body ?? Buffer.from(JSON.stringify(payload));
  const timestamp = options.timestamp ?? new Date();
  const signature = new Webhook(options.secret ?? STANDARD_SECRET).sign(id, timestamp, body);
  return {
    id,
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': signature,
    },
  };
}

/** Stripe, signed by `stripe.webhooks.generateTestHeaderString`. */
export function stripeDelivery(
  payload: { id: string; type: string },
  options: { secret?: string; timestamp?: number } = {},
): Delivery {
  const text = JSON.stringify(payload);
  const header = Stripe.webhooks.generateTestHeaderString({
    payload: text,
    secret: options.secret ?? STRIPE_SECRET,
    ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
  });
  return { body: Buffer.from(text), headers: { 'content-type': 'application/json', 'stripe-signature': header } };
}

/** GitHub, signed by `@octokit/webhooks-methods`. */
export async function githubDelivery(event: string, payload: unknown, delivery = randomUUID()): Promise<Delivery> {
  const text = JSON.stringify(payload);
  return {
    body: Buffer.from(text),
    headers: {
      'content-type': 'application/json',
      'x-github-event': event,
      'x-github-delivery': delivery,
      'x-github-hook-id': '42',
      'x-hub-signature-256': await githubSign(GITHUB_SECRET, text),
    },
  };
}

/** A pause inside a test handler (a window in which concurrent work would show), not a wait for a condition. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
