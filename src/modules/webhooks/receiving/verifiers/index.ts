import type { WebhookSourceConfig } from '../../../../config/app.config.js';
import { GithubWebhookVerifier } from './github.verifier.js';
import { StandardWebhookVerifier } from './standard.verifier.js';
import { StripeWebhookVerifier } from './stripe.verifier.js';
import type { VerifierOptions, WebhookVerifier } from './verifier.js';

export { GithubWebhookVerifier } from './github.verifier.js';
export { StandardWebhookVerifier } from './standard.verifier.js';
export { StripeWebhookVerifier } from './stripe.verifier.js';
export type {
  VerifierOptions,
  VerifyFailureReason,
  VerifyResult,
  WebhookHeaders,
  WebhookVerifier,
} from './verifier.js';

/** The verifier for a configured source; throws at start-up when a secret cannot be a key of its scheme. */
export function createVerifier(
  source: Pick<WebhookSourceConfig, 'name' | 'scheme' | 'secrets'>,
  options: VerifierOptions,
): WebhookVerifier {
  try {
    switch (source.scheme) {
      case 'standard':
        return new StandardWebhookVerifier(source.secrets, options);
      case 'stripe':
        return new StripeWebhookVerifier(source.secrets, options);
      case 'github':
        return new GithubWebhookVerifier(source.secrets);
      default: {
        const unknown: never = source.scheme;
        throw new Error(`unknown scheme ${String(unknown)}`);
      }
    }
  } catch (error) {
    throw new Error(`webhook source "${source.name}": ${(error as Error).message}`, { cause: error });
  }
}
