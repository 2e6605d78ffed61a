import { createVerifier, GithubWebhookVerifier, StandardWebhookVerifier, StripeWebhookVerifier } from './index.js';

describe('createVerifier', () => {
  const options = { toleranceS: 300 };

  it('builds the verifier of the source scheme', () => {
    const secret = 'whsec_' + Buffer.from('k').toString('base64');
    expect(createVerifier({ name: 'a', scheme: 'standard', secrets: [secret] }, options)).toBeInstanceOf(
      StandardWebhookVerifier,
    );
    expect(createVerifier({ name: 'b', scheme: 'stripe', secrets: ['whsec_x'] }, options)).toBeInstanceOf(
      StripeWebhookVerifier,
    );
    expect(createVerifier({ name: 'c', scheme: 'github', secrets: ['x'] }, options)).toBeInstanceOf(
      GithubWebhookVerifier,
    );
  });

  it('names the source when its configuration cannot make a verifier', () => {
    expect(() =>
      createVerifier({ name: 'payment-service', scheme: 'standard', secrets: ['whsec_!!'] }, options),
    ).toThrow('webhook source "payment-service": standard webhook secret #1 is not "whsec_" followed by base64');
    expect(() => createVerifier({ name: 'gh', scheme: 'github', secrets: [] }, options)).toThrow(
      'webhook source "gh": github webhook verifier needs at least one secret',
    );
  });
});
