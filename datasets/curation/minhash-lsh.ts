import { Buffer } from 'node:buffer';

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

// A bin no shingle fell into; one that stays empty after densification means an empty text. Minhashes
// are 31-bit, so they fit V8's small integers and an Int32Array, and their differences do not overflow.
const emptyBin = 0x7fffffff;
// Kept texts a bucket lists at most. Texts that share a long template collide in many bands; past this
// size a bucket stops growing, so one add verifies at most bands * maxBucketSize candidates instead of
// every kept text (quadratic time). Near-duplicates still meet in their other bands.
const maxBucketSize = 64;
const maxExampleDuplicates = 10;
const maxMinhashes = 0x10000;
const initialCapacity = 1024;
const shingleBase = 0x01000193;
// What V8 spends per Map entry (key, value, chain link, hash-table slack), measured, for `memoryBytes`.
const bytesPerBucketEntry = 48;

/**
 * Near-duplicate detection with MinHash and LSH banding over character shingles of lowercased,
 * whitespace-collapsed text. The first text of a cluster is kept and indexed; later texts whose
 * estimated Jaccard similarity to a kept one reaches the threshold are reported and not indexed.
 *
 * Signatures use one-permutation hashing: each shingle is hashed once, the hash picks one of the
 * `bands * rows` bins and the bin keeps its smallest hash; empty bins borrow from a pseudo-random
 * non-empty bin (optimal densification, Shrivastava 2017). That costs O(shingles + bins) per text
 * where classic MinHash costs O(shingles * bins), with the same estimator (the share of equal bins).
 * Memory per kept text: its signature (4 bytes a minhash) in one growing arena, its id, and one
 * bucket entry per band: 1.3 to 1.9 KB with the defaults, growth slack included. Duplicates add nothing.
 * @example
 * const index = new NearDuplicateIndex();
 * index.add(0, 'The quick brown fox jumps over the lazy dog near the river bank today.'); // undefined: kept
 * index.add(1, 'the quick  brown fox jumps over the lazy dog near the river bank today!'); // { duplicateOf: 0, similarity: 0.9… }
 */
export class NearDuplicateIndex {
  readonly options: Readonly<Required<NearDuplicateOptions>>;
  private readonly length: number;
  private readonly seedMix: number;
  private readonly outgoingFactor: number;
  private readonly buckets: Array<Map<number, number | number[]>>;
  private readonly bucketEntries = { count: 0, listed: 0 };
  private readonly examples = new Map<number, { duplicateIds: number[]; duplicateCount: number }>();
  private readonly scratch: Int32Array;
  private readonly emptyFlags: Uint8Array;
  private readonly bandKeys: Int32Array;
  /** The normalised text being hashed, reused across calls, and the same memory as bytes to write into. */
  private characters = new Uint16Array(1024);
  private characterBytes = Buffer.from(this.characters.buffer);
  private signatures: Int32Array;
  private ids: Float64Array;
  /** When each kept text was last verified, so a text met in several bands is verified once. */
  private verifiedAt: Uint32Array;
  private addCount = 0;
  private kept = 0;

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
    this.seedMix = mix32(resolved.seed ^ 0x85ebca6b);
    let power = 1;
    for (let index = 1; index < resolved.shingleSize; index += 1) power = Math.imul(power, shingleBase);
    this.outgoingFactor = power;
    this.buckets = Array.from({ length: resolved.bands }, () => new Map<number, number | number[]>());
    this.scratch = new Int32Array(this.length);
    this.emptyFlags = new Uint8Array(this.length);
    this.bandKeys = new Int32Array(resolved.bands);
    this.signatures = new Int32Array(initialCapacity * this.length);
    this.ids = new Float64Array(initialCapacity);
    this.verifiedAt = new Uint32Array(initialCapacity);
  }

  /** Number of kept (indexed) texts. */
  get size(): number {
    return this.kept;
  }

  /** Approximate bytes held: the signature arena, ids, and the LSH buckets. */
  get memoryBytes(): number {
    const arenas = this.signatures.byteLength + this.ids.byteLength + this.verifiedAt.byteLength;
    return arenas + this.bucketEntries.count * bytesPerBucketEntry + this.bucketEntries.listed * 8;
  }

  /** The `bands * rows` minhashes (31-bit values) of a text; texts equal up to case and whitespace get equal signatures. */
  signature(text: string): Uint32Array {
    this.computeSignature(text, this.scratch);
    return new Uint32Array(this.scratch);
  }

  /**
   * Indexes a text unless it near-duplicates a kept one; then returns the most similar kept text's
   * id and the estimated similarity, and indexes nothing, so the first of a cluster is the one kept.
   */
  add(id: number, text: string): NearDuplicateMatch | undefined {
    const signature = this.scratch;
    this.computeSignature(text, signature);
    this.addCount += 1;
    if (this.addCount === 0xffffffff) {
      this.verifiedAt.fill(0);
      this.addCount = 1;
    }
    let best = -1;
    let bestSimilarity = 0;
    for (let band = 0; band < this.options.bands; band += 1) {
      const key = this.bandKey(signature, band);
      this.bandKeys[band] = key;
      const entry = this.buckets[band]!.get(key);
      if (entry === undefined) continue;
      const slots = typeof entry === 'number' ? [entry] : entry;
      for (const slot of slots) {
        if (this.verifiedAt[slot] === this.addCount) continue;
        this.verifiedAt[slot] = this.addCount;
        const similarity = this.similarityTo(slot, signature);
        if (similarity > bestSimilarity || (similarity === bestSimilarity && slot < best)) {
          best = slot;
          bestSimilarity = similarity;
        }
      }
    }
    if (best !== -1) {
      const keptId = this.ids[best]!;
      this.recordExample(best, id);
      return { duplicateOf: keptId, similarity: bestSimilarity };
    }
    this.insert(id, signature);
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
      result.push({ keptId: this.ids[slot]!, duplicateIds: [...example.duplicateIds], duplicateCount: example.duplicateCount });
    }
    return result;
  }

  /** Writes the signature of `text` into `out`: one-permutation MinHash over a rolling shingle hash, then densification. */
  private computeSignature(text: string, out: Int32Array): void {
    out.fill(emptyBin);
    const count = this.normalize(text);
    const characters = this.characters;
    const size = this.options.shingleSize;
    const bins = this.length;
    const { seedMix, outgoingFactor } = this;
    let hash = 0;
    for (let index = 0; index < size - 1 && index < count; index += 1) hash = (Math.imul(hash, shingleBase) + characters[index]!) | 0;
    // A text shorter than one shingle is one shingle.
    if (count > 0 && count < size) addShingle(out, hash ^ seedMix, bins);
    for (let index = size - 1; index < count; index += 1) {
      hash = (Math.imul(hash, shingleBase) + characters[index]!) | 0;
      addShingle(out, hash ^ seedMix, bins);
      // Polynomial rolling hash: drop the shingle's first character before the next one comes in.
      hash = (hash - Math.imul(characters[index - size + 1]!, outgoingFactor)) | 0;
    }
    this.densify(out);
  }

  /**
   * Lowercases `text` into `characters`, whitespace runs collapsed to one space and the ends trimmed;
   * returns the length. The text is copied in with one UTF-16 `Buffer.write`, and the loop compacts it
   * in place: indexing a typed array is cheaper in V8 than `charCodeAt`.
   */
  private normalize(text: string): number {
    const lower = text.toLowerCase();
    if (this.characters.length < lower.length) {
      this.characters = new Uint16Array(lower.length * 2);
      this.characterBytes = Buffer.from(this.characters.buffer);
    }
    const characters = this.characters;
    this.characterBytes.write(lower, 0, 'utf16le');
    let count = 0;
    let pendingSpace = false;
    for (let index = 0; index < lower.length; index += 1) {
      const code = characters[index]!;
      if (code <= 32 || (code >= 0xa0 && isUnicodeSpace(code))) {
        pendingSpace = count > 0;
        continue;
      }
      if (pendingSpace) {
        characters[count] = 32;
        count += 1;
        pendingSpace = false;
      }
      characters[count] = code;
      count += 1;
    }
    return count;
  }

  /** Fills each empty bin from the first non-empty bin of its own pseudo-random probe sequence, the same for every text. */
  private densify(out: Int32Array): void {
    const bins = this.length;
    const empty = this.emptyFlags;
    let emptyCount = 0;
    for (let bin = 0; bin < bins; bin += 1) {
      const isEmpty = out[bin] === emptyBin ? 1 : 0;
      empty[bin] = isEmpty;
      emptyCount += isEmpty;
    }
    if (emptyCount === 0 || emptyCount === bins) return;
    for (let bin = 0; bin < bins; bin += 1) {
      if (empty[bin] === 0) continue;
      for (let attempt = 1; ; attempt += 1) {
        const probe = mix32(this.seedMix ^ Math.imul(bin + 1, 0x9e3779b1) ^ Math.imul(attempt, 0xc2b2ae35));
        const source = ((probe >>> 16) * bins) >>> 16;
        if (empty[source] === 0) {
          out[bin] = out[source]!;
          break;
        }
      }
    }
  }

  /** A signed 32-bit hash of one band's minhashes: a small integer to V8, so Map keys stay unboxed. */
  private bandKey(signature: Int32Array, band: number): number {
    const { rows } = this.options;
    let hash = this.seedMix ^ Math.imul(band + 1, 0x27d4eb2f);
    for (let row = band * rows, end = row + rows; row < end; row += 1) {
      hash = Math.imul(hash ^ signature[row]!, 0x01000193);
      hash ^= hash >>> 15;
    }
    return mix32(hash);
  }

  /** The share of equal minhashes, or 0 as soon as the threshold is out of reach (most candidates are not duplicates). */
  private similarityTo(slot: number, signature: Int32Array): number {
    const { signatures, length } = this;
    const allowedMismatches = Math.floor(length * (1 - this.options.threshold) + 1e-9);
    let mismatches = 0;
    for (let index = 0, offset = slot * length; index < length; index += 1, offset += 1) {
      if (signatures[offset] !== signature[index]) {
        mismatches += 1;
        if (mismatches > allowedMismatches) return 0;
      }
    }
    return (length - mismatches) / length;
  }

  private insert(id: number, signature: Int32Array): void {
    if (this.kept === this.ids.length) this.grow();
    const slot = this.kept;
    this.signatures.set(signature, slot * this.length);
    this.ids[slot] = id;
    this.kept += 1;
    for (let band = 0; band < this.options.bands; band += 1) {
      const bucket = this.buckets[band]!;
      const key = this.bandKeys[band]!;
      const entry = bucket.get(key);
      if (entry === undefined) {
        bucket.set(key, slot);
        this.bucketEntries.count += 1;
      } else if (typeof entry === 'number') {
        bucket.set(key, [entry, slot]);
        this.bucketEntries.listed += 2;
      } else if (entry.length < maxBucketSize) {
        entry.push(slot);
        this.bucketEntries.listed += 1;
      }
    }
  }

  private grow(): void {
    const capacity = this.ids.length * 2;
    const signatures = new Int32Array(capacity * this.length);
    signatures.set(this.signatures);
    this.signatures = signatures;
    const ids = new Float64Array(capacity);
    ids.set(this.ids);
    this.ids = ids;
    const verifiedAt = new Uint32Array(capacity);
    verifiedAt.set(this.verifiedAt);
    this.verifiedAt = verifiedAt;
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

/**
 * Mixes a shingle hash (multiply and xor-shift, enough to spread a polynomial hash's bits), picks its
 * bin from the top 16 bits and keeps the low 31 bits when they are the bin's smallest so far. The
 * minimum is taken without a branch: the comparison is a coin flip the CPU cannot predict, and
 * mispredicting it cost more than all the hashing. 31-bit values keep the difference exact in int32.
 */
function addShingle(out: Int32Array, hash: number, bins: number): void {
  let value = Math.imul(hash, 0x9e3779b1);
  value ^= value >>> 15;
  value = Math.imul(value, 0x85ebca6b);
  value ^= value >>> 13;
  const bin = ((value >>> 16) * bins) >>> 16;
  const current = out[bin]!;
  const difference = (value >>> 1) - current;
  out[bin] = current + ((difference >> 31) & difference);
}

/** MurmurHash3's finaliser: spreads every input bit over all 32 output bits. */
function mix32(value: number): number {
  let hash = value | 0;
  hash ^= hash >>> 16;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  hash = Math.imul(hash, 0xc2b2ae35);
  hash ^= hash >>> 16;
  return hash;
}

/** The no-break and typographic spaces and the line separators; ASCII whitespace is tested inline. */
function isUnicodeSpace(code: number): boolean {
  return code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff;
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
