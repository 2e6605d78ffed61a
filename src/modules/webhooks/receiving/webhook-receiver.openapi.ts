import type {
  HeadersObject,
  OpenAPIObject,
  ParameterObject,
  ResponseObject,
  ResponsesObject,
  SecuritySchemeObject,
} from '@nestjs/swagger';

import { WEBHOOK_PREFIX } from './webhook-intake.js';

const HEADER_TOKEN = { type: 'string' as const, maxLength: 1024, pattern: '^[\\x20-\\x7e]+$' };

const problem = (description: string, headers: HeadersObject = {}): ResponseObject => ({
  description,
  headers,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/ProblemDto' } } },
});

const WEBHOOK_SIGNATURE_SCHEME: SecuritySchemeObject = {
  type: 'apiKey',
  in: 'header',
  name: 'webhook-signature',
  description:
    'HMAC-SHA256 over the raw body with a secret shared with the source (any of its configured secrets). ' +
    'Per scheme: `standard` (Standard Webhooks / Svix) `webhook-signature` with `webhook-id` and `webhook-timestamp`; ' +
    '`stripe` `Stripe-Signature: t=...,v1=...`; `github` `X-Hub-Signature-256: sha256=...`.',
};

const header = (name: string, description: string): ParameterObject => ({
  name,
  in: 'header',
  required: false,
  description,
  schema: HEADER_TOKEN,
});

const RECEIVER_PARAMETERS: ParameterObject[] = [
  {
    name: 'source',
    in: 'path',
    required: true,
    description: 'the configured source (`WEBHOOK_{SOURCE}_SCHEME`)',
    example: 'payment-service',
    schema: { type: 'string', maxLength: 100, pattern: '^[a-z0-9-]+$' },
  },
  header('webhook-id', 'standard: the event id (deduplication key)'),
  header('webhook-timestamp', 'standard: Unix seconds, signed'),
  header('Stripe-Signature', 'stripe: `t=<unix seconds>,v1=<hex HMAC>`'),
  header('X-Hub-Signature-256', 'github: `sha256=<hex HMAC>`'),
  header('X-GitHub-Delivery', 'github: the delivery id (deduplication key)'),
  header('X-GitHub-Event', 'github: the event type'),
];

const STORED: ResponseObject = {
  description: 'stored (or already stored: `duplicate: true`); safe to stop delivering',
  content: {
    'application/json': {
      schema: {
        type: 'object',
        required: ['status', 'data', 'metadata'],
        properties: {
          status: { type: 'string', enum: ['success'] },
          data: {
            type: 'object',
            required: ['eventId', 'duplicate'],
            properties: {
              eventId: {
                type: 'string',
                maxLength: 40,
                pattern: '^[0-9A-Za-z_-]+$',
                description: 'our id: GET /api/v1/webhook-events/{eventId}',
              },
              duplicate: { type: 'boolean' },
            },
          },
          metadata: { $ref: '#/components/schemas/EnvelopeMetaDto' },
        },
      },
    },
  },
};

/** The answers of the receiver, refusals in the order they are checked. */
const receiverResponses = (maxBytes: number): ResponsesObject => ({
  '200': structuredClone(STORED),
  '400': problem('authentic, but not an event of the scheme (not JSON, no id or type)'),
  '401': problem('signature, timestamp or signature headers invalid (the answer does not say which)', {
    'WWW-Authenticate': {
      description: '`Signature realm="<source>"`',
      schema: { type: 'string', pattern: '^Signature realm="[a-z0-9-]+"$' },
    },
  }),
  '403': problem('the client address is not in the source allowlist'),
  '404': problem('no such source'),
  '413': problem(`body over ${maxBytes} bytes`),
  '503': problem('the event could not be stored; deliver it again', {
    'Retry-After': { description: 'seconds to wait', schema: { type: 'integer' } },
  }),
});

const receiverDescription = (maxBytes: number): string =>
  [
    'In order: the client address must be in the source allowlist (403, before the body is read); the body',
    `at most ${maxBytes} bytes (413); the signature valid over the raw bytes for one of the source's secrets, and`,
    'its timestamp within the tolerance (401, one answer whatever failed); the body an event of the scheme (400).',
    'The event is then stored with its raw body and only then answered 200 with our `eventId`; a delivery of an',
    'event already stored (same source and sender event id) is answered 200 with `duplicate: true` and the first',
    'eventId, and is not processed again. 503 when it could not be stored: deliver it again. Not rate limited.',
  ].join(' ');

/**
 * Adds `POST /api/v1/webhooks/{source}` to the document: the route is a raw Fastify route (registered by
 * configureApp through registerWebhookIntake), so Nest's Swagger scanner does not see it.
 */
export function documentWebhookReceiver(document: OpenAPIObject, maxBytes: number): OpenAPIObject {
  document.components ??= {};
  document.components.securitySchemes ??= {};
  // Copies: completeOpenApi edits the document in place, and the constants serve every document built.
  document.components.securitySchemes.webhookSignature = structuredClone(WEBHOOK_SIGNATURE_SCHEME);
  document.paths[`${WEBHOOK_PREFIX}/{source}`] = {
    post: {
      operationId: 'receiveWebhook',
      tags: ['webhooks'],
      summary: 'Receive a webhook from a configured source (authenticated by its signature, not a token)',
      description: receiverDescription(maxBytes),
      security: [{ webhookSignature: [] }],
      parameters: structuredClone(RECEIVER_PARAMETERS),
      requestBody: {
        required: true,
        description: 'the event exactly as the source sends it (JSON for standard and stripe); stored byte for byte',
        content: { '*/*': { schema: { type: 'string', format: 'binary', maxLength: maxBytes } } },
      },
      responses: receiverResponses(maxBytes),
    },
  };
  return document;
}
