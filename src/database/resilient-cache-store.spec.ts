import type { KeyvStoreAdapter } from 'keyv';
import { ResilientStore, type CacheFallbackReason, type CacheOperation } from './resilient-cache-store.js';

/** A store whose every call does what `behaviour` says: hang forever, fail, or answer. */
function fakeStore(behaviour: () => Promise<unknown>): KeyvStoreAdapter & { calls: number } {
  const store = {
    calls: 0,
    opts: {},
    namespace: undefined as string | undefined,
    get: () => (store.calls++, behaviour()),
    set: () => (store.calls++, behaviour()),
    delete: () => (store.calls++, behaviour()),
    clear: () => (store.calls++, behaviour()),
    on: () => store,
  };
  return store as unknown as KeyvStoreAdapter & { calls: number };
}

function resilient(inner: KeyvStoreAdapter, failuresToOpen = 5) {
  const fallbacks: [CacheOperation, CacheFallbackReason][] = [];
  const store = new ResilientStore(inner, {
    timeoutMs: 20,
    failuresToOpen,
    halfOpenAfterMs: 60_000,
    onFallback: (operation, reason) => fallbacks.push([operation, reason]),
  });
  return { store, fallbacks };
}

describe('ResilientStore (a cache never makes a request wait)', () => {
  it('a call that never settles answers miss / not stored at the timeout, counted as timeouts', async () => {
    const { store, fallbacks } = resilient(fakeStore(() => new Promise(() => undefined)));
    await expect(store.get('k')).resolves.toBeUndefined();
    await expect(store.set('k', 'v')).resolves.toBe(false);
    await expect(store.delete('k')).resolves.toBe(false);
    expect(fallbacks).toEqual([
      ['get', 'timeout'],
      ['set', 'timeout'],
      ['delete', 'timeout'],
    ]);
  });

  it('a failing call answers miss, counted as an error; after consecutive failures the store is not called', async () => {
    const inner = fakeStore(() => Promise.reject(new Error('The client is closed')));
    const { store, fallbacks } = resilient(inner, 2);
    for (let i = 0; i < 4; i++) await expect(store.get('k')).resolves.toBeUndefined();
    expect(inner.calls).toBe(2);
    expect(fallbacks.map(([, reason]) => reason)).toEqual(['error', 'error', 'circuit-open', 'circuit-open']);
  });

  it('a working store answers as it does, and the namespace Keyv sets reaches it', async () => {
    const inner = fakeStore(() => Promise.resolve('value'));
    const { store, fallbacks } = resilient(inner);
    store.namespace = 'nig:cache';
    await expect(store.get('k')).resolves.toBe('value');
    expect(inner.namespace).toBe('nig:cache');
    expect(fallbacks).toEqual([]);
  });
});
