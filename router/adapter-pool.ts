/** What the pool holds: anything that frees its memory on dispose (a LoraAdapter in production). */
export interface Disposable {
  dispose(): void;
}

/** A loaded adapter lent to one request; release it when the request is done. */
export interface AdapterLease<T> {
  readonly adapter: T;
  /** `NAME@vN`. */
  readonly reference: string;
  release(): void;
}

interface PoolEntry<T> {
  reference: string;
  name: string;
  version: number;
  loading: Promise<T>;
  adapter: T | undefined;
  users: number;
  /** Out of the pool; disposed when the last user releases it. */
  evicted: boolean;
}

/** Options of an adapter pool. */
export interface AdapterPoolOptions<T> {
  /** The most adapters kept loaded; production versions stay beyond it. */
  capacity: number;
  load: (name: string, version: number) => Promise<T>;
  /** Told when an adapter is loaded or disposed, and when pinned versions alone exceed the capacity. */
  onEvent?: (event: { kind: 'adapter-load' | 'adapter-dispose' | 'pool-over-capacity'; reference: string; size: number }) => void;
}

/**
 * Loaded adapters by `NAME@vN`, least recently used first out. Each name's production version is pinned and never
 * evicted; an evicted adapter still lent to a request is disposed only when that request releases it, so requests in
 * flight keep the adapter they started with through a promotion or a rollback.
 */
export class AdapterPool<T extends Disposable> {
  // A Map iterates in insertion order; re-inserting on use keeps the least recently used first.
  private readonly entries = new Map<string, PoolEntry<T>>();
  private readonly production = new Map<string, number>();

  constructor(private readonly options: AdapterPoolOptions<T>) {
    if (!Number.isInteger(options.capacity) || options.capacity < 1) throw new RangeError(`adapter pool capacity must be an integer >= 1, got ${options.capacity}`);
  }

  /** Adapters loaded or loading. */
  get size(): number {
    return this.entries.size;
  }

  /** References held now, least recently used first. */
  references(): string[] {
    return [...this.entries.keys()];
  }

  /** Marks `version` as the production version of `name`, unpinning the one before it. */
  pinProduction(name: string, version: number): void {
    if (this.production.get(name) === version) return;
    this.production.set(name, version);
    this.evictOverCapacity();
  }

  /** Lends the adapter `NAME@vN`, loading it first when it is not held. A failed load is not kept. */
  async acquire(name: string, version: number): Promise<AdapterLease<T>> {
    const reference = `${name}@v${version}`;
    let entry = this.entries.get(reference);
    if (entry === undefined) {
      const created: PoolEntry<T> = { reference, name, version, loading: this.options.load(name, version), adapter: undefined, users: 0, evicted: false };
      entry = created;
      this.entries.set(reference, created);
      created.loading.then(
        (adapter) => {
          created.adapter = adapter;
          this.options.onEvent?.({ kind: 'adapter-load', reference, size: this.entries.size });
          if (created.evicted && created.users === 0) this.dispose(created);
        },
        () => {
          if (this.entries.get(reference) === created) this.entries.delete(reference);
        },
      );
    } else {
      this.entries.delete(reference);
      this.entries.set(reference, entry);
    }
    entry.users += 1;
    this.evictOverCapacity();
    let adapter: T;
    try {
      adapter = await entry.loading;
    } catch (error) {
      entry.users -= 1;
      throw error;
    }
    const held = entry;
    let released = false;
    return {
      adapter,
      reference,
      release: () => {
        if (released) return;
        released = true;
        held.users -= 1;
        if (held.evicted && held.users === 0) this.dispose(held);
      },
    };
  }

  /** Disposes every idle adapter and marks the rest to go when released. */
  close(): void {
    for (const entry of this.entries.values()) this.evict(entry);
  }

  private isPinned(entry: PoolEntry<T>): boolean {
    return this.production.get(entry.name) === entry.version;
  }

  private evictOverCapacity(): void {
    if (this.entries.size <= this.options.capacity) return;
    for (const entry of [...this.entries.values()]) {
      if (this.entries.size <= this.options.capacity) return;
      if (!this.isPinned(entry)) this.evict(entry);
    }
    this.options.onEvent?.({ kind: 'pool-over-capacity', reference: [...this.entries.keys()].join(','), size: this.entries.size });
  }

  private evict(entry: PoolEntry<T>): void {
    this.entries.delete(entry.reference);
    entry.evicted = true;
    if (entry.users === 0 && entry.adapter !== undefined) this.dispose(entry);
  }

  private dispose(entry: PoolEntry<T>): void {
    if (entry.adapter === undefined) return;
    entry.adapter.dispose();
    entry.adapter = undefined;
    this.options.onEvent?.({ kind: 'adapter-dispose', reference: entry.reference, size: this.entries.size });
  }
}
