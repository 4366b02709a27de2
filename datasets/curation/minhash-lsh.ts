import { BucketTable, initialTableCapacity } from './bucket-table.js';
import { MinHashSigner, mix32, type MinHashSignerOptions } from './minhash-signer.js';

/** Settings of near-duplicate detection; see `nearDuplicateDefaults`. */
export interface NearDuplicateOptions {
  /** Characters per shingle. */
  shingleSize: number;
  /** LSH bands; a pair becomes a candidate when all `rows` minhashes of one band agree. */
  bands: number;
  /** Minhashes per band. The signature has `bands * rows` of them. */
  rows: number;
  /** Estimated Jaccard similarity at or above which two texts are near-duplicates. */
  threshold: number;
  /** Seed of the hash functions; the same seed gives the same signatures. */
  seed?: number;
  /** How many clusters keep their duplicate ids for `clusters()`. */
  exampleClusters?: number;
}

/** The defaults: 5-character shingles, 16 bands of 8 rows (128 minhashes), Jaccard 0.8. */
export const nearDuplicateDefaults = { shingleSize: 5, bands: 16, rows: 8, threshold: 0.8, seed: 0x9e3779b9, exampleClusters: 100 } as const satisfies Required<NearDuplicateOptions>;

/**
 * The signature settings of an index with these options: what a `MinHashSigner` in a curation
 * worker needs to make signatures the index can take.
 */
export function signerOptionsFor(options: Pick<NearDuplicateOptions, 'shingleSize' | 'bands' | 'rows' | 'seed'>): MinHashSignerOptions {
  return { shingleSize: options.shingleSize, length: options.bands * options.rows, seed: options.seed ?? nearDuplicateDefaults.seed };
}

/** The kept text a new text duplicates, and their estimated Jaccard similarity. */
export interface NearDuplicateMatch {
  duplicateOf: number;
  similarity: number;
}

/** A kept text and (up to a few of) the texts dropped as its near-duplicates, for a report. */
export interface DuplicateCluster {
  keptId: number;
  duplicateIds: number[];
  /** All duplicates found, which can be more than `duplicateIds` lists. */
  duplicateCount: number;
}

// Kept texts a bucket lists at most. Texts that share a long template collide in many bands; past this
// size a bucket stops growing, so one add verifies at most bands * maxBucketSize candidates instead of
// every kept text (quadratic time). Near-duplicates still meet in their other bands.
const maxBucketSize = 64;
const maxExampleDuplicates = 10;
const maxMinhashes = 0x10000;
// Stored minhashes per arena chunk (256 KB of Uint16): chunks are never copied, so the arena grows
// without a moment of holding both an old and a new copy, and wastes at most one part-filled chunk.
const chunkMinhashes = 0x20000;

/**
 * Near-duplicate detection with MinHash and LSH banding over character shingles of lowercased,
 * whitespace-collapsed text. The first text of a cluster is kept and indexed; later texts whose
 * estimated Jaccard similarity to a kept one reaches the threshold are reported and not indexed.
 *
 * Signatures use one-permutation hashing: each shingle is hashed once, the hash picks one of the
 * `bands * rows` bins and the bin keeps its smallest hash; empty bins borrow from a pseudo-random
 * non-empty bin (optimal densification, Shrivastava 2017). That costs O(shingles + bins) per text
 * where classic MinHash costs O(shingles * bins), with the same estimator (the share of equal bins).
 *
 * Kept signatures are stored as b-bit MinHash (Li and König 2010) with b = 16: only the low 16 bits of
 * each minhash, so two unrelated minhashes also agree by chance, with probability 2^-16. The share of
 * equal bins then estimates J + (1 - J) * 2^-16 instead of J, a bias below 0.00002 that is left
 * uncorrected, so identical texts still score exactly 1. LSH buckets hash the full 31-bit minhashes.
 * Memory per kept text with the defaults: 256 bytes of signature, an 8-byte id, and one cell per band
 * in open-addressing tables (11 to 17 bytes each): 450 to 540 bytes. Duplicates add nothing.
 * @example
 * const index = new NearDuplicateIndex();
 * index.add(0, 'The quick brown fox jumps over the lazy dog near the river bank today.'); // undefined: kept
 * index.add(1, 'the quick  brown fox jumps over the lazy dog near the river bank today!'); // { duplicateOf: 0, similarity: 0.9… }
 */
export class NearDuplicateIndex {
  readonly options: Readonly<Required<NearDuplicateOptions>>;
  private readonly length: number;
  private readonly signer: MinHashSigner;
  /** Kept texts per arena chunk, as a shift: slot >>> chunkShift is the chunk. */
  private readonly chunkShift: number;
  private readonly tables: BucketTable[];
  /** Overflow nodes of buckets with more than one kept text: [slot, next node or -1] pairs. */
  private overflow = new Int32Array(512);
  private overflowCount = 0;
  private readonly examples = new Map<number, { duplicateIds: number[]; duplicateCount: number }>();
  private readonly scratch: Int32Array;
  private readonly bandKeys: Int32Array;
  /** The cell of each band's key, from the lookup in `add`, so that `insert` does not probe again. */
  private readonly bandCells: Int32Array;
  /** The candidates of one add, with repeats: a text met in several bands is verified once after sorting. */
  private candidates = new Int32Array(256);
  /** The low 16 bits of each kept signature, in chunks of `1 << chunkShift` texts. */
  private readonly signatureChunks: Uint16Array[] = [];
  private readonly idChunks: Float64Array[] = [];
  private kept = 0;
  /** What the loads that bring a lookup's cells into the cache read, kept so that they are not optimised away. */
  private touched = 0;

  constructor(options: Partial<NearDuplicateOptions> = {}) {
    const resolved = { ...nearDuplicateDefaults, ...definedValues(options) };
    assertWholeNumber('shingleSize', resolved.shingleSize, 1);
    assertWholeNumber('bands', resolved.bands, 1);
    assertWholeNumber('rows', resolved.rows, 1);
    assertWholeNumber('exampleClusters', resolved.exampleClusters, 0);
    // Bins are picked from 16 hash bits.
    if (resolved.bands * resolved.rows > maxMinhashes) {
      throw new RangeError(`near-duplicate options "bands" * "rows" must be at most ${maxMinhashes} minhashes, got ${resolved.bands} * ${resolved.rows}`);
    }
    if (!(resolved.threshold > 0 && resolved.threshold <= 1)) {
      throw new RangeError(`near-duplicate option "threshold" must be a Jaccard similarity in (0, 1], got ${resolved.threshold}; 0.8 is the default`);
    }
    this.options = resolved;
    this.length = resolved.bands * resolved.rows;
    this.signer = new MinHashSigner(signerOptionsFor(resolved));
    let chunkShift = 0;
    while (this.length << (chunkShift + 1) <= chunkMinhashes) chunkShift += 1;
    this.chunkShift = chunkShift;
    this.tables = Array.from({ length: resolved.bands }, () => new BucketTable(initialTableCapacity));
    this.scratch = new Int32Array(this.length);
    this.bandKeys = new Int32Array(resolved.bands);
    this.bandCells = new Int32Array(resolved.bands);
  }

  /** What a `MinHashSigner` needs to make signatures for `addSignature`. */
  get signerOptions(): MinHashSignerOptions {
    return this.signer.options;
  }

  /**
   * Sizes the bucket tables for `texts` kept texts at once, so that they do not rehash on the way
   * there: growing a table moves every bucket to a random place in a larger one, which costs more
   * than all the lookups when an index grows to millions. Curation calls it with an estimate.
   */
  reserve(texts: number): void {
    for (const table of this.tables) table.reserve(texts);
  }

  /** Number of kept (indexed) texts. */
  get size(): number {
    return this.kept;
  }

  /** Approximate bytes held: the signature arena, ids, and the LSH bucket tables. */
  get memoryBytes(): number {
    const chunks = this.signatureChunks.length;
    let bytes = chunks * ((this.length * 2 + 8) << this.chunkShift) + this.overflow.byteLength;
    for (const table of this.tables) bytes += table.cells.byteLength;
    return bytes;
  }

  /** The `bands * rows` minhashes (31-bit values) of a text; texts equal up to case and whitespace get equal signatures. */
  signature(text: string): Uint32Array {
    this.signer.sign(text, this.scratch);
    return new Uint32Array(this.scratch);
  }

  /**
   * Indexes a text unless it near-duplicates a kept one; then returns the most similar kept text's
   * id and the estimated similarity, and indexes nothing, so the first of a cluster is the one kept.
   */
  add(id: number, text: string): NearDuplicateMatch | undefined {
    this.signer.sign(text, this.scratch);
    return this.addSignature(id, this.scratch);
  }

  /**
   * `add` for a signature made elsewhere (by a `MinHashSigner` with this index's `signerOptions`, in a
   * curation worker), read from `signatures` at `offset`, so that a batch of them needs no view each:
   * indexes it unless it near-duplicates a kept one, and then returns that one.
   */
  addSignature(id: number, signatures: Int32Array, offset = 0): NearDuplicateMatch | undefined {
    const count = this.gatherCandidates(signatures, offset);
    const match = count > 0 ? this.bestMatch(count, signatures, offset) : undefined;
    if (match !== undefined) {
      this.recordExample(match.slot, id);
      return { duplicateOf: this.idOf(match.slot), similarity: match.similarity };
    }
    this.insert(id, signatures, offset);
    return undefined;
  }

  /**
   * Example clusters for a report: the first `limit` kept texts that got a duplicate, in the order the
   * first duplicate arrived, each with up to 10 duplicate ids. Only the first `exampleClusters` are tracked.
   */
  clusters(limit: number): DuplicateCluster[] {
    const result: DuplicateCluster[] = [];
    for (const [slot, example] of this.examples) {
      if (result.length >= limit) break;
      result.push({ keptId: this.idOf(slot), duplicateIds: [...example.duplicateIds], duplicateCount: example.duplicateCount });
    }
    return result;
  }


  /**
   * Looks up each band's bucket, notes its cell for `insert`, and lists the bucket's kept texts in
   * `candidates`, repeats included; returns how many it listed.
   */
  private gatherCandidates(signatures: Int32Array, offset: number): number {
    const { bands, rows } = this.options;
    const { tables, bandKeys, bandCells, signer } = this;
    // Every band's key and home cell first, then one load from each table, then the lookups. The
    // tables are hundreds of megabytes at a million texts, so each first load misses the cache; with
    // nothing between them the CPU waits for the sixteen misses at once instead of one after another.
    for (let band = 0; band < bands; band += 1) {
      const key = signer.bandKey(signatures, offset + band * rows, rows, band);
      bandKeys[band] = key;
      bandCells[band] = tables[band]!.home(key);
    }
    let touched = 0;
    for (let band = 0; band < bands; band += 1) touched |= tables[band]!.cells[bandCells[band]! * 2 + 1]!;
    this.touched = touched;
    let count = 0;
    for (let band = 0; band < bands; band += 1) {
      const table = tables[band]!;
      const cell = table.findFrom(bandCells[band]!, bandKeys[band]!);
      bandCells[band] = cell;
      const value = table.cells[cell * 2 + 1]!;
      if (value === 0) continue;
      if (count + maxBucketSize > this.candidates.length) this.growCandidates();
      if (value > 0) {
        this.candidates[count] = value - 1;
        count += 1;
        continue;
      }
      for (let node = -value - 1; node !== -1; node = this.overflow[node * 2 + 1]!) {
        this.candidates[count] = this.overflow[node * 2]!;
        count += 1;
      }
    }
    return count;
  }

  /**
   * The most similar of the first `count` candidates that reaches the threshold, ties going to the
   * earliest kept text. Sorting puts repeats side by side and the earliest first, so each kept text is
   * verified once and a later one must have strictly fewer mismatches to win.
   */
  private bestMatch(count: number, signatures: Int32Array, offset: number): { slot: number; similarity: number } | undefined {
    const candidates = this.candidates.subarray(0, count).sort();
    const { length, chunkShift } = this;
    const mask = (1 << chunkShift) - 1;
    // The most mismatches a match may have; after a match, fewer than it had.
    let allowed = Math.floor(length * (1 - this.options.threshold) + 1e-9);
    let best = -1;
    let previous = -1;
    for (let index = 0; index < count && allowed >= 0; index += 1) {
      const slot = candidates[index]!;
      if (slot === previous) continue;
      previous = slot;
      const stored = this.signatureChunks[slot >>> chunkShift]!;
      let mismatches = 0;
      // The stored values are the low 16 bits; most candidates miss the threshold and stop early.
      for (let bin = 0, at = (slot & mask) * length; bin < length; bin += 1, at += 1) {
        if (stored[at] !== (signatures[offset + bin]! & 0xffff)) {
          mismatches += 1;
          if (mismatches > allowed) break;
        }
      }
      if (mismatches > allowed) continue;
      best = slot;
      allowed = mismatches - 1;
    }
    if (best === -1) return undefined;
    return { slot: best, similarity: (length - allowed - 1) / length };
  }

  private idOf(slot: number): number {
    return this.idChunks[slot >>> this.chunkShift]![slot & ((1 << this.chunkShift) - 1)]!;
  }

  private insert(id: number, signatures: Int32Array, offset: number): void {
    const slot = this.kept;
    const chunk = slot >>> this.chunkShift;
    if (chunk === this.signatureChunks.length) {
      this.signatureChunks.push(new Uint16Array(this.length << this.chunkShift));
      this.idChunks.push(new Float64Array(1 << this.chunkShift));
    }
    const within = slot & ((1 << this.chunkShift) - 1);
    const stored = this.signatureChunks[chunk]!;
    // Storing into a Uint16Array keeps the low 16 bits of each minhash.
    for (let bin = 0, at = within * this.length; bin < this.length; bin += 1, at += 1) stored[at] = signatures[offset + bin]!;
    this.idChunks[chunk]![within] = id;
    this.kept += 1;
    for (let band = 0; band < this.options.bands; band += 1) {
      const table = this.tables[band]!;
      const cell = this.bandCells[band]!;
      const value = table.cells[cell * 2 + 1]!;
      if (value === 0) {
        table.fill(cell, this.bandKeys[band]!, slot + 1);
      } else if (value > 0) {
        const node = this.newNode(value - 1, -1);
        table.cells[cell * 2 + 1] = -(this.newNode(slot, node) + 1);
      } else if (this.chainLength(-value - 1) < maxBucketSize) {
        table.cells[cell * 2 + 1] = -(this.newNode(slot, -value - 1) + 1);
      }
    }
  }

  private newNode(slot: number, next: number): number {
    if (this.overflowCount * 2 === this.overflow.length) {
      const overflow = new Int32Array(this.overflow.length * 2);
      overflow.set(this.overflow);
      this.overflow = overflow;
    }
    const node = this.overflowCount;
    this.overflow[node * 2] = slot;
    this.overflow[node * 2 + 1] = next;
    this.overflowCount += 1;
    return node;
  }

  private chainLength(node: number): number {
    let length = 0;
    for (let current = node; current !== -1; current = this.overflow[current * 2 + 1]!) length += 1;
    return length;
  }

  private growCandidates(): void {
    const candidates = new Int32Array(this.candidates.length * 2);
    candidates.set(this.candidates);
    this.candidates = candidates;
  }

  private recordExample(slot: number, duplicateId: number): void {
    let example = this.examples.get(slot);
    if (example === undefined) {
      if (this.examples.size >= this.options.exampleClusters) return;
      example = { duplicateIds: [], duplicateCount: 0 };
      this.examples.set(slot, example);
    }
    example.duplicateCount += 1;
    if (example.duplicateIds.length < maxExampleDuplicates) example.duplicateIds.push(duplicateId);
  }
}


function assertWholeNumber(name: string, value: number, minimum: number): void {
  if (!Number.isInteger(value) || value < minimum) {
    throw new RangeError(`near-duplicate option "${name}" must be a whole number of at least ${minimum}, got ${value}`);
  }
}

/** The options without keys set to undefined, so that they do not hide the defaults. */
function definedValues(options: Partial<NearDuplicateOptions>): Partial<NearDuplicateOptions> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
