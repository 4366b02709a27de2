/**
 * A set of 53-bit hashes in one Float64Array with open addressing: about 11 bytes per member at
 * 70% load, where a `Set<number>` of millions costs several times that. 0 marks an empty cell, so
 * a hash of 0 is stored as 1 (a collision chance of 2^-53).
 */
export class HashSet53 {
  private cells = new Float64Array(1024);
  private count = 0;

  /** Members held. */
  get size(): number {
    return this.count;
  }

  /** Bytes held by the table. */
  get memoryBytes(): number {
    return this.cells.byteLength;
  }

  private slot(hash: number, cells: Float64Array): number {
    const mask = cells.length - 1;
    // ToUint32 keeps the low 32 bits of a 53-bit integer, without the floating-point modulo of `%`.
    let cell = (hash >>> 0) & mask;
    while (cells[cell] !== 0 && cells[cell] !== hash) cell = (cell + 1) & mask;
    return cell;
  }

  /** Adds a hash; true when it was not there yet. */
  add(value: number): boolean {
    const hash = value === 0 ? 1 : value;
    const cell = this.slot(hash, this.cells);
    if (this.cells[cell] === hash) return false;
    this.cells[cell] = hash;
    this.count += 1;
    if (this.count > this.cells.length * 0.7) this.grow();
    return true;
  }

  /** Whether the hash is a member. */
  has(value: number): boolean {
    const hash = value === 0 ? 1 : value;
    return this.cells[this.slot(hash, this.cells)] === hash;
  }

  /** Makes room for `members` in all without growing again; the table only ever gets larger. */
  reserve(members: number): void {
    let length = this.cells.length;
    while (members > length * 0.7) length *= 2;
    if (length > this.cells.length) this.rehash(length);
  }

  private grow(): void {
    this.rehash(this.cells.length * 2);
  }

  private rehash(length: number): void {
    const old = this.cells;
    const cells = new Float64Array(length);
    for (const hash of old) if (hash !== 0) cells[this.slot(hash, cells)] = hash;
    this.cells = cells;
  }
}
