import { DataSource } from 'typeorm';
import { PrimaryKeyReader } from '../src/database/primary-key-reader.js';
import { ApiClient } from '../src/modules/auth/entities/api-client.entity.js';
import { Payment } from '../src/modules/payments/index.js';
import { User } from '../src/modules/users/entities/user.entity.js';
import { WebhookEvent } from '../src/modules/webhooks/entities/webhook-event.entity.js';
import { startTestApp, type TestApp } from './helpers/test-app.js';

/** The reader must load exactly what `findOneBy` loads, on SQLite (`npm test`) and PostgreSQL (`test:pg`). */
describe('PrimaryKeyReader', () => {
  let t: TestApp;
  let data: DataSource;

  beforeAll(async () => {
    t = await startTestApp();
    data = t.app.get(DataSource);
  });
  afterAll(async () => {
    await t.close();
  });

  it('loads a user equal to findOneBy (class, strings, dates), and null for an unknown key', async () => {
    const repo = data.getRepository(User);
    const now = new Date('2026-11-24T01:02:03.456Z');
    await repo.insert({
      id: 'u-reader-1',
      name: '山田 "太郎"',
      email: 'reader@example.com',
      createdAt: now,
      updatedAt: now,
    });
    const reader = new PrimaryKeyReader(repo);
    const read = await reader.find('u-reader-1');
    expect(read).toBeInstanceOf(User);
    expect(read).toEqual(await repo.findOneBy({ id: 'u-reader-1' }));
    expect(read?.createdAt).toEqual(now);
    expect(await reader.find('no-such-user')).toBeNull();
    // The key is a bound parameter, never SQL.
    expect(await reader.find("u-reader-1' OR '1'='1")).toBeNull();
  });

  it('applies column transformers and nullable columns as findOneBy does (payment)', async () => {
    const repo = data.getRepository(Payment);
    const at = new Date('2026-11-24T05:06:07.000Z');
    const base = {
      userId: 'u-reader-1',
      amount: 9_007_199_254_740,
      currency: 'JPY',
      status: 'succeeded' as const,
      clientId: 'c',
      requestHash: 'h',
      createdAt: at,
      updatedAt: at,
    };
    await repo.insert([
      {
        ...base,
        id: 'p-reader-1',
        providerPaymentId: 'pay_1',
        idempotencyKey: 'k',
        settledAt: at,
        lastEventAt: at,
        lastEventId: 'evt_1',
      },
      {
        ...base,
        id: 'p-reader-2',
        providerPaymentId: null,
        idempotencyKey: null,
        settledAt: null,
        lastEventAt: null,
        lastEventId: null,
      },
    ]);
    const reader = new PrimaryKeyReader(repo);
    for (const id of ['p-reader-1', 'p-reader-2']) {
      const read = await reader.find(id);
      expect(read).toEqual(await repo.findOneBy({ id }));
    }
    expect((await reader.find('p-reader-1'))?.amount).toBe(9_007_199_254_740);
    expect((await reader.find('p-reader-2'))?.settledAt).toBeNull();
  });

  it('reads through the transaction it is given (sees its uncommitted row)', async () => {
    const repo = data.getRepository(User);
    const reader = new PrimaryKeyReader(repo);
    await data
      .transaction(async (manager) => {
        const now = new Date();
        await manager.insert(User, {
          id: 'u-reader-tx',
          name: 'tx',
          email: 'tx@example.com',
          createdAt: now,
          updatedAt: now,
        });
        expect((await reader.find('u-reader-tx', manager))?.name).toBe('tx');
        throw new Error('roll back');
      })
      .catch((e: Error) => expect(e.message).toBe('roll back'));
    expect(await reader.find('u-reader-tx')).toBeNull();
  });

  it('loads every column of the other entities it may serve equal to findOneBy', async () => {
    const [client] = await data.getRepository(ApiClient).find({ take: 1 });
    expect(client).toBeDefined();
    const clients = data.getRepository(ApiClient);
    expect(await new PrimaryKeyReader(clients).find(client.clientId)).toEqual(
      await clients.findOneBy({ clientId: client.clientId }),
    );
    // The webhook inbox (bytes, JSON headers) is read by its own SQL; the reader still builds for it.
    expect(() => new PrimaryKeyReader(data.getRepository(WebhookEvent))).not.toThrow();
  });
});
