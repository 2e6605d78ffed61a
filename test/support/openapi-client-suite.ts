// The app the typed-client suites (test/openapi-client-*.e2e-spec.ts) call: started with a sandbox behind its
// integrations and a webhook source, listening on 127.0.0.1, and clients generated from its document
// (openapi-typescript types + openapi-fetch) whose every answer goes through the suite's OpenApiContract.
import type { AddressInfo } from 'node:net';
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from '../generated/openapi.js';
import { startWithSandbox, type SandboxedApp } from './integrations.js';
import { OpenApiContract } from './openapi-contract.js';
import { servedDocument } from './openapi.js';
import { STANDARD_SECRET } from './webhook-deliveries.js';

/** JSON answers: the envelope, problems (`application/problem+json`), terminus reports, RFC 6749 errors. */
export type JsonMedia = `application/${string}json`;
export type Api = Client<paths, JsonMedia>;
/** The text representations: `text/csv` of collections, `text/plain` of /metrics. */
export type TextApi = Client<paths, 'text/csv' | 'text/plain'>;

const ENV = {
  // A webhook source for the receiver: Standard Webhooks, any address.
  WEBHOOK_ACME_SCHEME: 'standard',
  WEBHOOK_ACME_SECRETS: STANDARD_SECRET,
  WEBHOOK_RETRY_BASE_MS: '20',
  WEBHOOK_SWEEP_INTERVAL_MS: '200',
  // The upstream failure a payments test provokes must come from retries, not from an open breaker.
  CIRCUIT_MIN_CALLS: '100000',
  DEBUG_ENABLED: 'true',
};

export interface OpenApiClientSuite {
  s: SandboxedApp;
  /** Checks every answer the suite's clients receive, and records it (`exchanges`). */
  contract: OpenApiContract;
  baseUrl: string;
  /** No credentials. */
  anonymous: Api;
  /** The bootstrap client's token: every scope. */
  adminToken: string;
  admin: Api;
  /** A token narrowed to users:read. */
  reader: Api;
  /** A typed client of the document; every response it receives is checked against the document. */
  client<Media extends `${string}/${string}` = JsonMedia>(token?: string): Client<paths, Media>;
}

/**
 * Registers, in the calling describe, the app and its sandbox (started before its tests, closed after them)
 * and the clients. Each suite has its own app and contract: what one file called is not seen by another (see
 * test/support/openapi-client-claims.ts for how the files together cover the document). The fields are set
 * once beforeAll has run.
 */
export function openApiClientSuite(): OpenApiClientSuite {
  const suite = {
    client<Media extends `${string}/${string}` = JsonMedia>(token?: string): Client<paths, Media> {
      const headers = token ? { authorization: `Bearer ${token}` } : {};
      const api = createClient<paths, Media>({ baseUrl: suite.baseUrl, headers });
      api.use(suite.contract.middleware);
      return api;
    },
  } as OpenApiClientSuite;
  beforeAll(async () => {
    suite.s = await startWithSandbox(ENV);
    await suite.s.t.app.listen(0, '127.0.0.1');
    const { port } = suite.s.t.app.getHttpServer().address() as AddressInfo;
    suite.baseUrl = `http://127.0.0.1:${port}`;
    suite.contract = new OpenApiContract(await servedDocument(suite.s.t.app));
    suite.anonymous = suite.client();
    // Tokens issued outside the clients: the token endpoint's own answers are tested through them.
    suite.adminToken = await suite.s.t.token();
    suite.admin = suite.client(suite.adminToken);
    suite.reader = suite.client(await suite.s.t.token(['users:read']));
  });
  afterAll(async () => {
    await suite.s?.close();
  });
  return suite;
}
