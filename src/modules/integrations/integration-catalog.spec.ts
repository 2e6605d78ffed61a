import axios from 'axios';
import { loadConfig } from '../../config/app.config.js';
import { ApiKeyAuth, BasicAuth, createKeepAliveAgents, InMemoryTokenStore } from '../../gateway/index.js';
import {
  defineIntegration,
  INTEGRATION_NAMES,
  isIntegrationName,
  perIntegration,
  registeredIntegrations,
} from './integration-catalog.js';

// Jest gives this file its own module registry: the catalogue starts empty, whatever the app declares.
describe('the integration catalogue', () => {
  const config = loadConfig({ NODE_ENV: 'test', SANDBOX_ENABLED: 'false', SMS_SERVICE_URLS: 'http://sms.test' });
  const agents = createKeepAliveAgents({ connectTimeoutMs: 1000 });
  afterAll(() => {
    agents.httpAgent.destroy();
    agents.httpsAgent.destroy();
  });

  it('lists integrations by their declared position, whatever order they register in, in live views', () => {
    const names = INTEGRATION_NAMES;
    const record = perIntegration((name) => name.toUpperCase());
    expect(names).toEqual([]);
    defineIntegration({
      name: 'sms',
      position: 30,
      settings: (i) => i.sms,
      auth: (s) => new BasicAuth(s.username, ''),
    });
    defineIntegration({ name: 'email', position: 20, settings: (i) => i.email, auth: (s) => new ApiKeyAuth(s.apiKey) });
    expect(names).toEqual(['email', 'sms']);
    expect(Object.entries(record)).toEqual([
      ['email', 'EMAIL'],
      ['sms', 'SMS'],
    ]);
    expect(isIntegrationName('sms')).toBe(true);
    expect(isIntegrationName('fax')).toBe(false);
  });

  it('refuses a second definition of a name', () => {
    expect(() =>
      defineIntegration({ name: 'sms', position: 1, settings: (i) => i.sms, auth: () => new BasicAuth('x', 'y') }),
    ).toThrow('integration sms is declared twice');
    expect(INTEGRATION_NAMES).toEqual(['email', 'sms']);
  });

  it('reads its own configuration section: configured once it has URLs, unless it says otherwise', () => {
    const [email, sms] = registeredIntegrations();
    expect(email.isConfigured(config.integrations)).toBe(false);
    expect(sms.isConfigured(config.integrations)).toBe(true);
    expect(sms.urls(config.integrations)).toEqual(['http://sms.test']);
    defineIntegration({
      name: 'maps',
      position: 40,
      settings: (i) => i.maps,
      isConfigured: () => false,
      auth: (s) => new ApiKeyAuth(s.apiKey),
    });
    const maps = registeredIntegrations()[2];
    expect(
      maps.isConfigured(loadConfig({ NODE_ENV: 'test', MAPS_SERVICE_URLS: 'http://maps.test' }).integrations),
    ).toBe(false);
  });

  it('builds its auth from its section and the shared context', () => {
    const sms = registeredIntegrations().find((r) => r.name === 'sms');
    const auth = sms?.auth(config.integrations, {
      http: axios.create(),
      agents,
      tokenStore: new InMemoryTokenStore(),
      policy: config.integrations.policy,
    });
    expect(auth?.snapshot()).toEqual({ kind: 'basic' });
  });
});
