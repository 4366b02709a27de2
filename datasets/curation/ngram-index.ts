import { HashSet53 } from './hash-set.js';
import { LowercaseUnits } from './lowercase-units.js';
import { finalize } from './text-hash.js';

const letterOrDigit = /[\p{L}\p{N}]/u;

function isWordCharacter(code: number): boolean {
  if (code < 0x80) return (code >= 0x30 && code <= 0x39) || (code >= 0x61 && code <= 0x7a);
  return letterOrDigit.test(String.fromCharCode(code));
}

/**
 * The 53-bit hashes of the word n-grams of a lowercased text, and the scratch memory they are made
 * in, reused across calls: what a curation worker computes so that the main thread only adds and
 * looks up numbers. Words are runs of letters and digits, found and hashed in one pass over the
 * characters (two 32-bit lanes, no word strings); each n-gram's hash is a polynomial over its
 * words' hashes, rolled along the text.
 */
export class NgramHasher {
  /** What a training text is probed with for n-grams of `n` words. */
  readonly probe: ProbeShape;
  private first = new Uint32Array(256);
  private second = new Uint32Array(256);
  private out = new Float64Array(256);
  /** Words hashed by the last `read`. */
  private wordCount = 0;

  constructor(readonly n: number) {
    this.probe = probeShapeOf(n);
  }

  /** Hashes the words of a text already lowercased into `text` (which a MinHash signer may read too), for `grams`. */
  read(text: LowercaseUnits): this {
    this.wordCount = this.words(text);
    return this;
  }

  /**
   * The hashes of the word `length`-grams of the text last `read` that start at every `stride`-th
   * word, as a view that the next call overwrites.
   */
  grams(length: number, stride = 1): Float64Array {
    return this.roll(this.wordCount, length, stride);
  }

  /** The probes of a training text lowercased into `text` (see `ProbeShape`), as a view that the next call overwrites. */
  probes(text: LowercaseUnits): Float64Array {
    return this.read(text).grams(this.probe.length, this.probe.stride);
  }

  /** Hashes each word of `text` into the two lanes; returns how many words there are. */
  private words(text: LowercaseUnits): number {
    const { units, length } = text;
    let words = 0;
    let first = 0x811c9dc5;
    let second = 0x9e3779b9;
    let inWord = false;
    for (let index = 0; index <= length; index += 1) {
      const code = index < length ? units[index]! : 0x20;
      if (isWordCharacter(code)) {
        first = Math.imul(first ^ code, 0x01000193);
        second = Math.imul(second ^ code, 0x5bd1e995);
        inWord = true;
        continue;
      }
      if (!inWord) continue;
      if (words === this.first.length) this.growWords();
      this.first[words] = finalize(first);
      this.second[words] = finalize(second);
      words += 1;
      first = 0x811c9dc5;
      second = 0x9e3779b9;
      inWord = false;
    }
    return words;
  }

  /** Rolls a polynomial hash of `n` words along the word hashes, keeping the n-grams that start at every `stride`-th word. */
  private roll(words: number, n: number, stride: number): Float64Array {
    if (words < n) return this.out.subarray(0, 0);
    if (this.out.length < words) this.out = new Float64Array(words * 2);
    const { first, second, out } = this;
    const baseFirst = 0x01000193;
    const baseSecond = 0x5bd1e995;
    let powerFirst = 1;
    let powerSecond = 1;
    for (let index = 1; index < n; index += 1) {
      powerFirst = Math.imul(powerFirst, baseFirst);
      powerSecond = Math.imul(powerSecond, baseSecond);
    }
    let rollingFirst = 0;
    let rollingSecond = 0;
    let count = 0;
    for (let index = 0; index < words; index += 1) {
      if (index >= n) {
        rollingFirst = (rollingFirst - Math.imul(first[index - n]!, powerFirst)) | 0;
        rollingSecond = (rollingSecond - Math.imul(second[index - n]!, powerSecond)) | 0;
      }
      rollingFirst = (Math.imul(rollingFirst, baseFirst) + first[index]!) | 0;
      rollingSecond = (Math.imul(rollingSecond, baseSecond) + second[index]!) | 0;
      if (index >= n - 1 && (index - n + 1) % stride === 0) {
        out[count] = (finalize(rollingFirst) & 0x1fffff) * 0x100000000 + finalize(rollingSecond);
        count += 1;
      }
    }
    return out.subarray(0, count);
  }

  private growWords(): void {
    const first = new Uint32Array(this.first.length * 2);
    const second = new Uint32Array(this.second.length * 2);
    first.set(this.first);
    second.set(this.second);
    this.first = first;
    this.second = second;
  }
}

/**
 * A blocked Bloom filter: a member sets 8 bits in one 64-bit block (two 32-bit words side by side, so
 * a lookup touches one cache line), 4 in each word. The block comes from the hash's low 32 bits, the
 * first word's bits from its high 21 and the second's from a remix of the low 32. With two to four
 * words per member, 1 lookup in 24,000 to 1 in 150,000 of a non-member passes, measured on random
 * hashes; 4 bits in one word let 1 in 2,300 to 1 in 7,500 through, each costing a record an exact check.
 */
class BlockedBloomFilter {
  private readonly words: Uint32Array;
  /** Blocks minus one: the block of a hash is its low 32 bits masked with this. */
  private readonly mask: number;
  /** What `mayHaveAny`'s first loads read, kept so that they are not optimised away. */
  private touched = 0;

  constructor(members: number) {
    let length = 1024;
    while (length < members * 2) length *= 2;
    this.words = new Uint32Array(length);
    this.mask = length / 2 - 1;
  }

  add(hash: number): void {
    const word = ((hash >>> 0) & this.mask) * 2;
    this.words[word]! |= highBits(hash);
    this.words[word + 1]! |= lowBits(hash);
  }

  /**
   * True when any of `hashes[from .. to]` may be a member. Their blocks are loaded once before they
   * are tested: in a filter larger than the caches each load misses, and a loop with nothing else in
   * it lets the CPU wait for all the misses at once.
   */
  mayHaveAny(hashes: Float64Array, from: number, to: number): boolean {
    const { words, mask } = this;
    let touched = 0;
    for (let index = from; index < to; index += 1) touched |= words[((hashes[index]! >>> 0) & mask) * 2]!;
    this.touched = touched;
    for (let index = from; index < to; index += 1) {
      const hash = hashes[index]!;
      const word = ((hash >>> 0) & mask) * 2;
      const high = highBits(hash);
      if ((words[word]! & high) !== high) continue;
      const low = lowBits(hash);
      if ((words[word + 1]! & low) === low) return true;
    }
    return false;
  }
}

/** Four bits picked by the high 21 bits of a 53-bit hash, 5 bits each. */
function highBits(hash: number): number {
  const high = Math.floor(hash / 0x100000000);
  return (1 << (high & 31)) | (1 << ((high >>> 5) & 31)) | (1 << ((high >>> 10) & 31)) | (1 << ((high >>> 15) & 31));
}

/** Four bits picked by a remix of the low 32 bits of a 53-bit hash, which also pick its block. */
function lowBits(hash: number): number {
  const mixed = finalize(hash >>> 0);
  return (1 << (mixed & 31)) | (1 << ((mixed >>> 5) & 31)) | (1 << ((mixed >>> 10) & 31)) | (1 << ((mixed >>> 15) & 31));
}

/**
 * What a training text is probed with: `length`-grams (shorter than the index's n-grams) at every
 * `stride`-th word, with `length + stride - 1 = n`, so that every n-gram of the text contains one.
 */
export interface ProbeShape {
  length: number;
  stride: number;
}

/** The probe shape for n-grams of `n` words: a stride of a third of n, at least 1. */
export function probeShapeOf(n: number): ProbeShape {
  const stride = Math.max(1, Math.floor(n / 3));
  return { length: n - stride + 1, stride };
}

/** A growing list of 53-bit hashes. */
class HashList {
  values = new Float64Array(1024);
  length = 0;

  append(hashes: Float64Array): void {
    if (this.length + hashes.length > this.values.length) {
      const grown = new Float64Array(Math.max(this.values.length * 2, this.length + hashes.length));
      grown.set(this.values.subarray(0, this.length));
      this.values = grown;
    }
    this.values.set(hashes, this.length);
    this.length += hashes.length;
  }
}

/**
 * The word n-grams of texts that training data must not share (a test split, a benchmark), as
 * 53-bit hashes. A training text is checked in two steps. First its probes (see `ProbeShape`) go
 * through a Bloom filter of every probe-length gram of the added texts: a text that shares an
 * n-gram shares the probe inside it, so the filter never misses one, and it rules out nearly every
 * other text with a quarter of the lookups of checking each n-gram, one cache line each.
 * Then the few texts that pass are checked exactly, n-gram by n-gram, in a hash set.
 * Curation workers compute the probes, so the scratch files hold a quarter of the hashes too.
 */
export class NgramIndex {
  private readonly hasher: NgramHasher;
  private readonly lowered = new LowercaseUnits();
  private readonly pendingGrams = new HashList();
  private readonly pendingProbes = new HashList();
  private grams: HashSet53 | undefined;
  private filter: BlockedBloomFilter | undefined;

  constructor(readonly n: number) {
    this.hasher = new NgramHasher(n);
  }

  /** Adds every n-gram of `text`, and every probe-length gram for the filter. */
  add(text: string): void {
    const hasher = this.hasher.read(this.lowered.load(text));
    this.pendingGrams.append(hasher.grams(this.n));
    this.pendingProbes.append(hasher.grams(hasher.probe.length));
    this.grams = undefined;
    this.filter = undefined;
  }

  /** The probes of a training text lowercased into `text`: what `mayOverlap` takes, as a view the next call overwrites. */
  probesOf(text: LowercaseUnits): Float64Array {
    return this.hasher.probes(text);
  }

  /**
   * False when a text with these probes (from `probesOf`, or a curation worker's `NgramHasher`) shares
   * no n-gram with what was added; true when it may. The probes are `probes[from .. to]`, so that the
   * probes of many texts in one array need no view each.
   */
  mayOverlap(probes: Float64Array, from = 0, to = probes.length): boolean {
    if (this.pendingGrams.length === 0) return false;
    return (this.filter ??= this.buildFilter()).mayHaveAny(probes, from, to);
  }

  /** True when `text` shares at least one n-gram with what was added. */
  overlaps(text: string): boolean {
    if (this.pendingGrams.length === 0) return false;
    if (!this.mayOverlap(this.hasher.probes(this.lowered.load(text)))) return false;
    const grams = (this.grams ??= this.buildSet());
    // The words of `text` are still in the hasher from the probes.
    const hashes = this.hasher.grams(this.n);
    for (let index = 0; index < hashes.length; index += 1) if (grams.has(hashes[index]!)) return true;
    return false;
  }

  private buildSet(): HashSet53 {
    const { values, length } = this.pendingGrams;
    const set = new HashSet53();
    set.reserve(length);
    for (let index = 0; index < length; index += 1) set.add(values[index]!);
    return set;
  }

  private buildFilter(): BlockedBloomFilter {
    const { values, length } = this.pendingProbes;
    const filter = new BlockedBloomFilter(length);
    for (let index = 0; index < length; index += 1) filter.add(values[index]!);
    return filter;
  }
}
