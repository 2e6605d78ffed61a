import { GroupWriter } from './group-writer.js';

/** A writeGroup whose calls the test settles: it records each group and waits to be released. */
function controlledWrites() {
  const groups: number[][] = [];
  const pending: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  const writeGroup = (items: number[]) => {
    groups.push(items);
    return new Promise<number[]>((resolve, reject) => {
      pending.push({ resolve: () => resolve(items.map((n) => n * 10)), reject });
    });
  };
  return { groups, pending, writeGroup };
}

const flush = () => new Promise((resolve) => setImmediate(resolve));

describe('GroupWriter', () => {
  it('writes an item alone when a slot is free and groups what queued while every slot was busy', async () => {
    const { groups, pending, writeGroup } = controlledWrites();
    const writer = new GroupWriter(writeGroup, { concurrency: 2, maxGroup: 50 });
    const results = [1, 2, 3, 4, 5].map((n) => writer.write(n));
    expect(groups).toEqual([[1], [2]]);
    expect(writer.waiting).toBe(3);
    pending[0].resolve();
    await flush();
    expect(groups).toEqual([[1], [2], [3, 4, 5]]);
    pending[1].resolve();
    pending[2].resolve();
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40, 50]);
  });

  it('takes at most maxGroup items per group', async () => {
    const { groups, pending, writeGroup } = controlledWrites();
    const writer = new GroupWriter(writeGroup, { concurrency: 1, maxGroup: 2 });
    const results = [1, 2, 3, 4, 5].map((n) => writer.write(n));
    for (let i = 0; i < 4; i++) {
      await flush();
      pending[i]?.resolve();
    }
    expect(await Promise.all(results)).toEqual([10, 20, 30, 40, 50]);
    expect(groups).toEqual([[1], [2, 3], [4, 5]]);
  });

  it("writes a failed group's items again one by one, so one item's error is its own", async () => {
    const calls: number[][] = [];
    const writer = new GroupWriter(
      (items: number[]) => {
        calls.push(items);
        if (items.includes(3)) return Promise.reject(new TypeError('item 3 is refused'));
        return Promise.resolve(items.map((n) => n * 10));
      },
      { concurrency: 1, maxGroup: 50 },
    );
    const results = [1, 2, 3, 4].map((n) => writer.write(n).catch((error: Error) => error.message));
    expect(await Promise.all(results)).toEqual([10, 20, 'item 3 is refused', 40]);
    expect(calls).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
  });

  it('fails the whole group at once when the database is unavailable', async () => {
    const calls: number[][] = [];
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const writer = new GroupWriter(
      (items: number[]) => {
        calls.push(items);
        return Promise.reject(refused);
      },
      { concurrency: 1, maxGroup: 50 },
    );
    const results = await Promise.allSettled([1, 2, 3].map((n) => writer.write(n)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(calls).toEqual([[1], [2, 3]]);
  });
});
