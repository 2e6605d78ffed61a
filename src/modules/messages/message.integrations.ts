import { ApiKeyAuth, BasicAuth } from '../../gateway/index.js';
import { defineIntegration } from '../integrations/index.js';

/** The email service: an API key. */
export const EMAIL_INTEGRATION = defineIntegration({
  name: 'email',
  position: 20,
  settings: (integrations) => integrations.email,
  auth: (email) => new ApiKeyAuth(email.apiKey),
});

/** The SMS service: HTTP Basic. */
export const SMS_INTEGRATION = defineIntegration({
  name: 'sms',
  position: 30,
  settings: (integrations) => integrations.sms,
  auth: (sms) => new BasicAuth(sms.username, sms.password),
});
