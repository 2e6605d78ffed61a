import type { OpenAPIObject } from '@nestjs/swagger';

/** What each tag groups, as Swagger UI shows it above the tag's operations. */
const TAGS: Record<string, string> = {
  auth: 'Access tokens: the OAuth 2.0 client credentials grant (`POST /oauth/token`). Swagger UI does it for you in **Authorize**.',
  users:
    'The users of the API: create, read, list (filter, sort, page, `fields`), replace, merge-patch and delete. ' +
    'Writes take an optional `If-Match` with the ETag of a full GET (412 when stale).',
  payments:
    'Payments through the external payment service: stored `pending`, settled by its webhook. A payment needs an ' +
    'existing user (create one under **users** first).',
  messages: 'Email and SMS sent through the external email and SMS services, and the record of what was sent.',
  integrations:
    'The external services behind the gateway (payment, email, SMS, maps): their health, circuit and token state, ' +
    'and geocoding through the maps service.',
  'webhook-events':
    'The durable inbox of received webhooks: list and inspect them, and replay one. Empty until a source delivers one.',
  webhooks:
    'Where external services deliver webhooks, authenticated by their signature (not by a token): called by ' +
    'those services, not by a client.',
  operations: 'Health probes, version, metrics, SLA status and debug details for operators.',
};

/**
 * Descriptions of operations whose controller gives only a summary: what to send and what comes back, with
 * the ids a fresh app does not have yet. A description written on the controller always wins.
 */
const OPERATIONS: Record<string, string> = {
  issueToken:
    'Client credentials grant (RFC 6749 §4.4): the client id and secret as HTTP Basic or in the form or JSON ' +
    'body; `scope` narrows the token to some of the client’s scopes (all of them when left out). Errors are ' +
    'RFC 6749 JSON (`error`, `error_description`), not problems.',
  listUsers:
    'A page of users (`offset`, `limit`), optionally filtered by exact `name` or `email`, sorted (`sort`) and ' +
    'projected (`fields`). With no parameter: the first 20 users, every property.',
  createUser:
    'Creates a user and answers it with its `userId` (a ULID), its `Location` and its `ETag`. 409 when the ' +
    'email is taken.',
  getUser:
    'One user by id. Its `ETag` (of the full representation, without `fields`) is the `If-Match` of a later ' +
    'PUT, PATCH or DELETE.',
  getUserProfile: 'The user as shown to others; served from the cache when warm.',
  replaceUser:
    'Replaces every property of a user. With `If-Match` (the ETag of a full GET): 412 when it changed since.',
  updateUser:
    'Changes the properties sent (`application/merge-patch+json`, RFC 7396). With `If-Match` (the ETag of a ' +
    'full GET): 412 when it changed since.',
  deleteUser: 'Deletes a user (204). With `If-Match` (the ETag of a full GET): 412 when it changed since.',
  listPayments: 'A page of payments, optionally filtered by `userId` and `status`, sorted and projected.',
  getPayment: 'One payment by id: `pending` until the payment service’s webhook settles it.',
  listEmailMessages: 'A page of the emails sent, optionally filtered by recipient (`to`) and `status`.',
  sendEmailMessage: 'Sends an email through the email service and records it (201 with our `messageId`).',
  getEmailMessage: 'One email sent, by our `messageId`.',
  listSmsMessages: 'A page of the text messages sent, optionally filtered by recipient (`to`) and `status`.',
  sendSmsMessage: 'Sends a text message through the SMS service and records it (201 with our `messageId`).',
  getSmsMessage: 'One text message sent, by our `messageId`.',
  geocode:
    'Latitude and longitude of an address, from the maps service (404 when it knows none). The example ' +
    '`東京駅` is known to the development sandbox.',
  listIntegrations: 'Every external service with its instances, health, circuit and token state, latency and errors.',
  getIntegration: 'One external service by name: `payment`, `email`, `sms` or `maps`.',
  health: 'The terminus report of every dependency this instance checks.',
  liveness: 'Answers 200 while the process runs; checks no dependency (a liveness probe).',
  readiness: 'Answers 200 when the instance takes traffic, 503 while starting or draining (a readiness probe).',
  version: 'The version, commit, build time and Node.js version of this instance.',
  metrics: 'Prometheus metrics in the text exposition format.',
  status: 'The live SLA figures against their targets, and the state of each external service.',
  debug: 'Runtime details of this instance, secrets masked.',
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** Tags with their descriptions (in the order above), and a description on every operation that has none. */
export function describeOperations(document: OpenAPIObject): OpenAPIObject {
  const used = new Set<string>();
  for (const item of Object.values(document.paths)) {
    for (const [method, operation] of Object.entries(item as Record<string, unknown>)) {
      if (!METHODS.includes(method)) continue;
      const op = operation as { operationId?: string; description?: string; tags?: string[] };
      op.tags?.forEach((tag) => used.add(tag));
      if (!op.description && op.operationId && OPERATIONS[op.operationId]) {
        op.description = OPERATIONS[op.operationId];
      }
    }
  }
  const known = (document.tags ?? []).map((tag) => tag.name);
  const described = Object.keys(TAGS)
    .filter((name) => used.has(name) && !known.includes(name))
    .map((name) => ({ name, description: TAGS[name] }));
  document.tags = [...(document.tags ?? []), ...described];
  return document;
}
