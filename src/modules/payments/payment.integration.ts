import { OAuth2ClientCredentialsAuth, OAuth2TokenProvider } from '../../gateway/index.js';
import { defineIntegration } from '../integrations/index.js';

/** The payment service: OAuth 2.0 client credentials, one token (and one token request) at a time. */
export const PAYMENT_INTEGRATION = defineIntegration({
  name: 'payment',
  position: 10,
  settings: (integrations) => integrations.payment,
  // Without a token endpoint no call could be authenticated.
  isConfigured: (payment) => payment.urls.length > 0 && payment.tokenUrl !== '',
  auth: (payment, context) =>
    new OAuth2ClientCredentialsAuth(
      new OAuth2TokenProvider({
        service: 'payment',
        tokenUrl: payment.tokenUrl,
        clientId: payment.clientId,
        clientSecret: payment.clientSecret,
        scope: payment.scope,
        http: context.http,
        agents: context.agents,
        timeoutMs: Math.min(10_000, context.policy.totalTimeoutMs),
        store: context.tokenStore,
        registry: context.registry,
        logger: context.logger,
      }),
    ),
});
