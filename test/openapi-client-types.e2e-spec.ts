import { readFileSync } from 'node:fs';
import type { OpenAPIObject } from '@nestjs/swagger';
import { OpenApiContract } from './support/openapi-contract.js';
import { CLIENT_TYPES_FILE, clientTypesOf, defaultDocument, REGENERATE_COMMAND } from './support/openapi.js';

/** The first line where two texts differ, for a readable failure. */
function firstDifference(committed: string, current: string): string {
  const a = committed.split('\n');
  const b = current.split('\n');
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i])
      return `line ${i + 1}:\n  committed: ${a[i] ?? '(end of file)'}\n  current:   ${b[i] ?? '(end of file)'}`;
  }
  return '(no difference)';
}

let document: OpenAPIObject;

beforeAll(async () => {
  document = await defaultDocument();
});

describe('generated OpenAPI client types (drift check)', () => {
  it(`${CLIENT_TYPES_FILE} is what openapi-typescript makes of the current GET /docs/openapi.json`, async () => {
    const current = await clientTypesOf(document);
    let committed: string;
    try {
      committed = readFileSync(CLIENT_TYPES_FILE, 'utf8');
    } catch {
      throw new Error(`${CLIENT_TYPES_FILE} is missing: run \`${REGENERATE_COMMAND}\` and commit the file`);
    }
    if (committed !== current) {
      throw new Error(
        `${CLIENT_TYPES_FILE} is stale: the OpenAPI document changed since it was generated. ` +
          `Run \`${REGENERATE_COMMAND}\` and commit the result.\nFirst difference at ${firstDifference(committed, current)}`,
      );
    }
  });
});

/** The checker the client e2e test relies on: it must refuse what the document does not allow. */
describe('OpenApiContract (response checks against the document)', () => {
  let contract: OpenApiContract;
  beforeAll(() => {
    contract = new OpenApiContract(document);
  });

  const json = (status: number, body: unknown, type = 'application/json') =>
    new Response(JSON.stringify(body), { status, headers: { 'content-type': `${type}; charset=utf-8` } });
  const problem = {
    type: 'https://nest-integration-gateway.dev/problems/not-found',
    title: 'Not found',
    status: 404,
    instance: '/api/v1/users/x',
    requestId: 'req_1',
    timestamp: '2024-12-17T10:30:00.000Z',
  };
  const user = {
    userId: '01JEXAMPLE0000000000000000',
    name: '山田太郎',
    email: 'yamada@example.com',
    createdAt: '2024-12-17T10:30:00.000Z',
    updatedAt: '2024-12-17T10:30:00.000Z',
  };
  const envelope = (data: unknown) => ({
    status: 'success',
    data,
    metadata: { requestId: 'req_1', timestamp: '2024-12-17T10:30:00.000Z' },
  });
  const integration = {
    name: 'email',
    configured: true,
    state: 'up',
    auth: 'api-key',
    circuit: { state: 'closed', retryAfterMs: 0 },
    healthyInstances: 0,
    instances: [],
    token: null,
    rateLimit: null,
    retryBudget: null,
  };

  it('accepts a documented answer and records it', async () => {
    await contract.check('/api/v1/users/{userId}', 'get', json(404, problem, 'application/problem+json'));
    await contract.check('/api/v1/users/{userId}', 'get', json(200, envelope(user)));
    expect(contract.exchanges.map((e) => e.status)).toEqual([404, 200]);
  });

  it('refuses an undocumented status, an undeclared media type, an empty body where one is documented', async () => {
    await expect(contract.check('/api/v1/users/{userId}', 'get', json(418, problem))).rejects.toThrow(
      /status not documented/,
    );
    await expect(contract.check('/api/v1/users/{userId}', 'get', json(404, problem))).rejects.toThrow(
      /answered application\/json, the document declares application\/problem\+json/,
    );
    await expect(contract.check('/api/v1/users/{userId}', 'get', new Response(null, { status: 200 }))).rejects.toThrow(
      /empty body/,
    );
  });

  it('refuses a missing required property, a wrong type, and a property the document does not list', async () => {
    const { email: _email, ...noEmail } = user;
    // POST answers the whole resource (no `fields`), so every property of UserDto is required there.
    await expect(contract.check('/api/v1/users', 'post', json(201, envelope(noEmail)))).rejects.toThrow(
      /must have required property 'email'/,
    );
    await expect(
      contract.check('/api/v1/users/{userId}', 'get', json(200, envelope({ ...user, userId: 42 }))),
    ).rejects.toThrow(/body\/data\/userId must be string/);
    await expect(
      contract.check('/api/v1/users/{userId}', 'get', json(200, envelope({ ...user, password: 'x' }))),
    ).rejects.toThrow(/additionalProperty":"password"/);
  });

  it('an operation with `fields` documents the projection: sparse data passes, wrong types and extras do not', async () => {
    await contract.check('/api/v1/users/{userId}', 'get', json(200, envelope({ email: user.email })));
    await expect(contract.check('/api/v1/users/{userId}', 'get', json(200, envelope({ email: 42 })))).rejects.toThrow(
      /must be string/,
    );
    await expect(contract.check('/api/v1/users/{userId}', 'get', json(200, envelope({})))).rejects.toThrow(
      /must NOT have fewer than 1 properties/,
    );
    await expect(
      contract.check('/api/v1/users/{userId}', 'get', json(200, envelope({ email: user.email, password: 'x' }))),
    ).rejects.toThrow(/additionalProperty":"password"/);
  });

  it('OpenAPI 3.0 nullable: a nullable DTO property accepts null and the DTO, nothing else', async () => {
    await contract.check('/api/v1/integrations/{integrationName}', 'get', json(200, envelope(integration)));
    await expect(
      contract.check(
        '/api/v1/integrations/{integrationName}',
        'get',
        json(200, envelope({ ...integration, token: 5 })),
      ),
    ).rejects.toThrow(/token/);
    await expect(
      contract.check(
        '/api/v1/integrations/{integrationName}',
        'get',
        json(200, envelope({ ...integration, circuit: null, state: 'gone' })),
      ),
    ).rejects.toThrow(/state must be equal to one of the allowed values/);
  });
});
