import { LowercaseUnits } from './lowercase-units.js';

// A bin no shingle fell into; one that stays empty after densification means an empty text. Minhashes
// are 31-bit, so they fit V8's small integers and an Int32Array, and their differences do not overflow.
const emptyBin = 0x7fffffff;
const shingleBase = 0x01000193;

/** What a signature depends on: the shingle size, the number of minhashes and the seed. */
export interface MinHashSignerOptions {
  shingleSize: number;
  /** Minhashes per signature (`bands * rows` for an LSH index). */
  length: number;
  seed: number;
}

/**
 * MinHash signatures of lowercased, whitespace-collapsed text over character shingles, by
 * one-permutation hashing: each shingle is hashed once, the hash picks one of `length` bins and the
 * bin keeps its smallest hash; empty bins borrow from a pseudo-random non-empty bin (optimal
 * densification, Shrivastava 2017). That costs O(shingles + bins) per text where classic MinHash
 * costs O(shingles * bins), with the same estimator (the share of equal bins).
 *
 * A signer holds only scratch memory, so curation workers sign texts in parallel while one
 * `NearDuplicateIndex` on the main thread indexes the signatures.
 */
export class MinHashSigner {
  readonly seedMix: number;
  private readonly outgoingFactor: number;
  /** For a power-of-two `length` from 2 up: the shift that picks a bin, the same bin as the multiply in `binOf`, in fewer instructions. */
  private readonly binShift: number;
  private readonly emptyFlags: Uint8Array;
  /** The text being hashed, lowercased; reused across calls. */
  private readonly lowered = new LowercaseUnits();
  /** The last `shingleSize` characters of the shingle being hashed. */
  private readonly ring: Uint16Array;

  constructor(readonly options: Readonly<MinHashSignerOptions>) {
    this.seedMix = mix32(options.seed ^ 0x85ebca6b);
    let power = 1;
    for (let index = 1; index < options.shingleSize; index += 1) power = Math.imul(power, shingleBase);
    this.outgoingFactor = power;
    const bits = Math.log2(options.length);
    this.binShift = Number.isInteger(bits) && bits >= 1 && bits <= 16 ? 32 - bits : 0;
    this.emptyFlags = new Uint8Array(options.length);
    this.ring = new Uint16Array(options.shingleSize);
  }

  /** Writes the signature of `text` into `out` (`length` values): one-permutation MinHash over a rolling shingle hash, then densification. */
  sign(text: string, out: Int32Array): void {
    this.signUnits(this.lowered.load(text), out);
  }

  /**
   * `sign` for a text already lowercased into `text`, which an n-gram hasher may read too; `text` is
   * left as it is. Whitespace runs are collapsed to one space and the ends trimmed as the characters
   * stream by: the shingle hash rolls over the collapsed characters, the last `shingleSize` of which
   * wait in a ring to leave it.
   */
  signUnits(text: LowercaseUnits, out: Int32Array): void {
    out.fill(emptyBin);
    const { units, length } = text;
    const size = this.options.shingleSize;
    const bins = this.options.length;
    const { seedMix, outgoingFactor, ring, binShift } = this;
    let hash = 0;
    let count = 0;
    // Where the next character goes in the ring, which is also where the shingle's first one is once it is full.
    let slot = 0;
    let pendingSpace = false;
    for (let index = 0; index < length; index += 1) {
      let code = units[index]!;
      if (code <= 32 || (code >= 0xa0 && isUnicodeSpace(code))) {
        pendingSpace = count > 0;
        continue;
      }
      // A collapsed run of whitespace is one space before the next character; the loop comes back for that character.
      if (pendingSpace) {
        code = 32;
        index -= 1;
        pendingSpace = false;
      }
      hash = (Math.imul(hash, shingleBase) + code) | 0;
      ring[slot] = code;
      slot = slot + 1 === size ? 0 : slot + 1;
      count += 1;
      if (count >= size) {
        addShingle(out, hash ^ seedMix, bins, binShift);
        // Polynomial rolling hash: drop the shingle's first character before the next one comes in.
        hash = (hash - Math.imul(ring[slot]!, outgoingFactor)) | 0;
      }
    }
    // A text shorter than one shingle is one shingle.
    if (count > 0 && count < size) addShingle(out, hash ^ seedMix, bins, binShift);
    this.densify(out);
  }

  /**
   * A signed 32-bit hash of one LSH band's (full 31-bit) minhashes, the `rows` of them at `start` of
   * `signatures`: the key of band `band`'s bucket.
   */
  bandKey(signatures: Int32Array, start: number, rows: number, band: number): number {
    let hash = this.seedMix ^ Math.imul(band + 1, 0x27d4eb2f);
    for (let row = start, end = start + rows; row < end; row += 1) {
      hash = Math.imul(hash ^ signatures[row]!, 0x01000193);
      hash ^= hash >>> 15;
    }
    return mix32(hash);
  }

  /** Fills each empty bin from the first non-empty bin of its own pseudo-random probe sequence, the same for every text. */
  private densify(out: Int32Array): void {
    const bins = this.options.length;
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
}

/**
 * Mixes a shingle hash (multiply and xor-shift, enough to spread a polynomial hash's bits), picks its
 * bin from the top 16 bits and keeps the low 31 bits when they are the bin's smallest so far. The
 * bin is `((value >>> 16) * bins) >>> 16`, which for a power of two `bins = 2^k` is `value >>> (32 - k)`:
 * `binShift` is that shift, or 0 for other counts. The minimum is taken without a branch: the
 * comparison is a coin flip the CPU cannot predict, and mispredicting it cost more than all the
 * hashing. 31-bit values keep the difference exact in int32.
 */
function addShingle(out: Int32Array, hash: number, bins: number, binShift: number): void {
  let value = Math.imul(hash, 0x9e3779b1);
  value ^= value >>> 15;
  value = Math.imul(value, 0x85ebca6b);
  value ^= value >>> 13;
  const bin = binShift !== 0 ? value >>> binShift : ((value >>> 16) * bins) >>> 16;
  const current = out[bin]!;
  const difference = (value >>> 1) - current;
  out[bin] = current + ((difference >> 31) & difference);
}

/** MurmurHash3's finaliser: spreads every input bit over all 32 output bits. */
export function mix32(value: number): number {
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
