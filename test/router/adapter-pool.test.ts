import { describe, expect, it } from 'vitest';
import { AdapterPool } from '../../router/index.js';

class FakeAdapter {
  disposed = false;
  constructor(readonly reference: string) {}
  dispose(): void {
    this.disposed = true;
  }
}

function pool(capacity: number, loads: string[] = [], failing = new Set<string>()) {
  return new AdapterPool<FakeAdapter>({
    capacity,
    load: async (name, version) => {
      const reference = `${name}@v${version}`;
      loads.push(reference);
      if (failing.has(reference)) throw new Error(`cannot load ${reference}`);
      return new FakeAdapter(reference);
    },
  });
}

describe('AdapterPool', () => {
  it('loads an adapter once for concurrent requests and lends the same object', async () => {
    const loads: string[] = [];
    const adapters = pool(2, loads);
    const [first, second] = await Promise.all([adapters.acquire('a', 1), adapters.acquire('a', 1)]);
    expect(first.adapter).toBe(second.adapter);
    expect(loads).toEqual(['a@v1']);
  });

  it('evicts and disposes the least recently used idle adapter beyond its capacity', async () => {
    const adapters = pool(2);
    const a = await adapters.acquire('a', 1);
    a.release();
    const b = await adapters.acquire('b', 1);
    b.release();
    (await adapters.acquire('a', 1)).release();
    const c = await adapters.acquire('c', 1);
    c.release();
    expect(adapters.references()).toEqual(['a@v1', 'c@v1']);
    expect(b.adapter.disposed).toBe(true);
    expect(a.adapter.disposed).toBe(false);
  });

  it('never evicts the production version of a name', async () => {
    const adapters = pool(1);
    adapters.pinProduction('prod', 3);
    (await adapters.acquire('prod', 3)).release();
    const other = await adapters.acquire('other', 1);
    other.release();
    const again = await adapters.acquire('other', 2);
    again.release();
    expect(adapters.references()).toContain('prod@v3');
    expect(other.adapter.disposed).toBe(true);
  });

  it('unpins the old production version on a promotion, so it can be evicted', async () => {
    const adapters = pool(1);
    adapters.pinProduction('name', 1);
    const old = await adapters.acquire('name', 1);
    old.release();
    adapters.pinProduction('name', 2);
    (await adapters.acquire('name', 2)).release();
    expect(adapters.references()).toEqual(['name@v2']);
    expect(old.adapter.disposed).toBe(true);
  });

  it('keeps an evicted adapter alive until the request using it releases it', async () => {
    const adapters = pool(1);
    const inFlight = await adapters.acquire('a', 1);
    (await adapters.acquire('b', 1)).release();
    expect(adapters.references()).toEqual(['b@v1']);
    expect(inFlight.adapter.disposed).toBe(false);
    inFlight.release();
    expect(inFlight.adapter.disposed).toBe(true);
  });

  it('does not keep a failed load, so the next request tries again', async () => {
    const loads: string[] = [];
    const failing = new Set(['bad@v1']);
    const adapters = pool(2, loads, failing);
    await expect(adapters.acquire('bad', 1)).rejects.toThrow('cannot load bad@v1');
    expect(adapters.size).toBe(0);
    failing.clear();
    const lease = await adapters.acquire('bad', 1);
    expect(lease.reference).toBe('bad@v1');
    expect(loads).toEqual(['bad@v1', 'bad@v1']);
  });
});
