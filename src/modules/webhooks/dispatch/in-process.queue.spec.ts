import { InProcessWebhookQueue } from './in-process.queue.js';

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

describe('InProcessWebhookQueue', () => {
  let queue: InProcessWebhookQueue;
  afterEach(async () => {
    await queue.close();
  });

  it('runs at most `concurrency` events at once, in order', async () => {
    queue = new InProcessWebhookQueue();
    const started: string[] = [];
    const finish = new Map<string, () => void>();
    await queue.start(async (id) => {
      started.push(id);
      await new Promise<void>((resolve) => finish.set(id, resolve));
    }, 2);
    for (const id of ['a', 'b', 'c', 'd']) await queue.enqueue(id);
    await tick();
    expect(started).toEqual(['a', 'b']);
    expect(await queue.details()).toMatchObject({ waiting: 2, active: 2 });
    finish.get('a')!();
    await tick();
    expect(started).toEqual(['a', 'b', 'c']);
    finish.get('b')!();
    finish.get('c')!();
    await tick();
    finish.get('d')!();
    await tick();
    expect(started).toEqual(['a', 'b', 'c', 'd']);
  });

  it('collapses an id enqueued again while it waits, but not once it runs', async () => {
    queue = new InProcessWebhookQueue();
    const started: string[] = [];
    let release!: () => void;
    await queue.start(async (id) => {
      started.push(id);
      if (id === 'busy') await new Promise<void>((resolve) => (release = resolve));
    }, 1);
    await queue.enqueue('busy');
    await tick();
    await queue.enqueue('x');
    await queue.enqueue('x');
    await queue.enqueue('busy');
    expect(await queue.details()).toMatchObject({ waiting: 2 });
    release();
    await tick(5);
    expect(started).toEqual(['busy', 'x', 'busy']);
  });

  it('dispatches a delayed id after the delay; a later delay under the same key replaces it', async () => {
    queue = new InProcessWebhookQueue();
    const started: [string, number][] = [];
    const t0 = Date.now();
    await queue.start(async (id) => {
      started.push([id, Date.now() - t0]);
    }, 1);
    await queue.enqueue('late', 60, 'late-a2');
    await queue.enqueue('late', 120, 'late-a2');
    await tick(90);
    expect(started).toEqual([]);
    await tick(80);
    expect(started.map(([id]) => id)).toEqual(['late']);
    expect(started[0][1]).toBeGreaterThanOrEqual(115);
  });

  it('keeps running after a consumer error, and close() drops what waits and clears timers', async () => {
    queue = new InProcessWebhookQueue();
    const started: string[] = [];
    await queue.start(async (id) => {
      started.push(id);
      if (id === 'bad') throw new Error('boom');
    }, 1);
    await queue.enqueue('bad');
    await queue.enqueue('good');
    await tick(5);
    expect(started).toEqual(['bad', 'good']);
    await queue.enqueue('later', 20);
    await queue.close();
    await queue.enqueue('after-close');
    await tick(40);
    expect(started).toEqual(['bad', 'good']);
    expect(await queue.ready()).toBe(false);
  });

  it('with concurrency 0 only holds what is enqueued', async () => {
    queue = new InProcessWebhookQueue();
    const started: string[] = [];
    await queue.start(async (id) => {
      started.push(id);
    }, 0);
    await queue.enqueue('a');
    await tick();
    expect(started).toEqual([]);
  });
});
