// How the typed-client suites together cover the OpenAPI document, though Jest runs each file in a module
// registry (and a worker) of its own, so no file sees what another called. Each file claims here, statically,
// the operations it calls and the tags it gets an error answer of validated, and its last test checks the
// claim against its own contract's exchanges (missedClaims). test/openapi-client-coverage.e2e-spec.ts checks
// that the claims together are exactly the document's operations and tags, and that every claiming file
// exists and checks its claim: a file that stops calling an operation fails itself, and an operation no file
// claims fails the coverage test, whichever files ran.
import type { OpenAPIObject } from '@nestjs/swagger';
import { kitResources, type KitResource } from './kit-resources.js';
import { documentOperations } from './openapi.js';
import type { OpenApiContract } from './openapi-contract.js';

export interface Claim {
  /** `METHOD /path/{template}` of each operation the file calls through the typed client. */
  operations: string[];
  /** Tags of which the file gets a documented error answer (4xx, 5xx) validated. */
  errorTags: string[];
}

/** By spec file (test/<name>.e2e-spec.ts). */
export const CLAIMS = {
  'openapi-client-auth-users': {
    operations: [
      'POST /oauth/token',
      'POST /api/v1/users',
      'GET /api/v1/users',
      'GET /api/v1/users/{userId}',
      'PUT /api/v1/users/{userId}',
      'PATCH /api/v1/users/{userId}',
      'DELETE /api/v1/users/{userId}',
      'GET /api/v1/users/{userId}/profile',
    ],
    errorTags: ['auth', 'users'],
  },
  'openapi-client-operations-integrations': {
    operations: [
      'GET /health',
      'GET /health/live',
      'GET /health/ready',
      'GET /version',
      'GET /status',
      'GET /metrics',
      'GET /debug',
      'POST /api/v1/payments',
      'GET /api/v1/payments',
      'GET /api/v1/payments/{paymentId}',
      'POST /api/v1/email-messages',
      'GET /api/v1/email-messages',
      'GET /api/v1/email-messages/{messageId}',
      'POST /api/v1/sms-messages',
      'GET /api/v1/sms-messages',
      'GET /api/v1/sms-messages/{messageId}',
      'GET /api/v1/geocode',
      'GET /api/v1/integrations',
      'GET /api/v1/integrations/{integrationName}',
    ],
    errorTags: ['operations', 'payments', 'messages', 'integrations'],
  },
  'openapi-client-webhooks-kit': {
    operations: [
      'POST /api/v1/webhooks/{source}',
      'GET /api/v1/webhook-events',
      'GET /api/v1/webhook-events/{eventId}',
      'POST /api/v1/webhook-events/{eventId}/replay',
    ],
    errorTags: ['webhooks', 'webhook-events'],
  },
} satisfies Record<string, Claim>;

export type ClaimingFile = keyof typeof CLAIMS;

/** The file that also claims the kit's resources no typed call claims, found in the document. */
export const KIT_FILE: ClaimingFile = 'openapi-client-webhooks-kit';

/** Statuses answered with an error body: 4xx and 5xx. */
export const isError = (status: number) => status >= 400;

const key = (op: { method: string; path: string }) => `${op.method.toUpperCase()} ${op.path}`;

/**
 * The resources of the kit (`x-resource`) with an operation no file claims statically: a resource made by
 * `npm run generate` needs no hand-written call, KIT_FILE exercises it from the document. Resources the typed
 * calls cover (users) are left to them.
 */
export function unclaimedKitResources(document: OpenAPIObject): KitResource[] {
  const claimed = new Set(Object.values(CLAIMS).flatMap((c: Claim) => c.operations));
  return kitResources(document).filter((r) => !r.operations.every((op) => claimed.has(op)));
}

/** What `file` claims against `document`: its static claim, and for KIT_FILE the unclaimed kit resources too. */
export function claimOf(file: ClaimingFile, document: OpenAPIObject): Claim {
  const claim: Claim = CLAIMS[file];
  if (file !== KIT_FILE) return claim;
  const resources = unclaimedKitResources(document).flatMap((r) => r.operations);
  const tags = documentOperations(document)
    .filter((op) => resources.includes(key(op)))
    .flatMap((op) => (op.op.tags as string[] | undefined) ?? []);
  return {
    operations: [...claim.operations, ...resources],
    errorTags: [...new Set([...claim.errorTags, ...tags])],
  };
}

/** What of `claim` the exchanges of `contract` do not show: operations never called, tags without an error. */
export function missedClaims(contract: OpenApiContract, claim: Claim): Claim {
  const called = new Set(contract.exchanges.map(key));
  const tagsWithError = new Set(
    contract
      .operations()
      .flatMap((op) =>
        contract.exchanges.some((e) => e.path === op.path && e.method === op.method && isError(e.status))
          ? op.tags
          : [],
      ),
  );
  return {
    operations: claim.operations.filter((op) => !called.has(op)),
    errorTags: claim.errorTags.filter((tag) => !tagsWithError.has(tag)),
  };
}
