// An open-addressing table of LSH buckets, in typed arrays: the near-duplicate index's only growing state
// besides its signature arena.

/** Cells a new table starts with. */
export const initialTableCapacity = 256;
// Bucket tables grow by half when 70% full, so they stay 47% to 70% full: short linear probes, and
// 11 to 17 bytes per bucket. Doubling would let a table fall to 35% full, 23 bytes per bucket.
const maxLoad = 0.7;
const tableGrowth = 1.5;

/**
 * An open-addressing hash table (linear probing) from a band key to its bucket, in one Int32Array of
 * [key, value] cells. The value is 0 for an empty cell, `slot + 1` for a bucket of one kept text, and
 * `-(node + 1)` for a longer bucket, a chain of overflow nodes.
 */
export class BucketTable {
  cells: Int32Array;
  capacity: number;
  count = 0;

  constructor(capacity: number) {
    this.capacity = capacity;
    this.cells = new Int32Array(capacity * 2);
  }

  /** The first cell `key` may be in: where `findFrom` starts. */
  home(key: number): number {
    return home(key, this.capacity);
  }

  /**
   * The cell holding `key`, or the empty cell where it belongs, searching from its home cell
   * `start`: the caller computes homes first, so that it can load several tables' cells at once.
   */
  findFrom(start: number, key: number): number {
    const { cells, capacity } = this;
    let cell = start;
    for (;;) {
      if (cells[cell * 2 + 1] === 0 || cells[cell * 2] === key) return cell;
      cell += 1;
      if (cell === capacity) cell = 0;
    }
  }

  /** Fills the empty `cell` that `findFrom` returned for `key`; the table may grow, so cells found before are stale. */
  fill(cell: number, key: number, value: number): void {
    this.cells[cell * 2] = key;
    this.cells[cell * 2 + 1] = value;
    this.count += 1;
    if (this.count > this.capacity * maxLoad) this.grow();
  }

  /** Makes room for `buckets` in all without growing again, when that is more than there is room for now. */
  reserve(buckets: number): void {
    const capacity = Math.ceil(buckets / maxLoad) + 1;
    if (capacity > this.capacity) this.rehash(capacity);
  }

  /** Moves every bucket to a table half as large again. */
  private grow(): void {
    this.rehash(Math.ceil(this.capacity * tableGrowth));
  }

  /** Moves every bucket to a table of `capacity` cells. Homes rise with the key, so the writes move forward. */
  private rehash(capacity: number): void {
    const old = this.cells;
    const cells = new Int32Array(capacity * 2);
    for (let from = 0; from < old.length; from += 2) {
      const value = old[from + 1]!;
      if (value === 0) continue;
      const key = old[from]!;
      let cell = home(key, capacity);
      while (cells[cell * 2 + 1] !== 0) cell = cell + 1 === capacity ? 0 : cell + 1;
      cells[cell * 2] = key;
      cells[cell * 2 + 1] = value;
    }
    this.cells = cells;
    this.capacity = capacity;
  }
}

/**
 * A key's first cell in a table of `capacity`: the key as a fraction of 2^32 scaled to the capacity,
 * so any capacity works, not only powers of two. The product stays below 2^32 * capacity even where
 * it rounds, so the cell is always in range.
 */
function home(key: number, capacity: number): number {
  return Math.floor(((key >>> 0) * capacity) / 0x100000000);
}
