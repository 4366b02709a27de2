import { finalize } from './text-hash.js';

/** Lowercased words of a text, punctuation removed, as n-gram decontamination compares them. */
export function contentWords(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '');
}

function wordHash(word: string, seed: number): number {
  let hash = seed;
  for (let index = 0; index < word.length; index += 1) hash = Math.imul(hash ^ word.charCodeAt(index), 0x01000193);
  return finalize(hash);
}

/**
 * The n-gram hashes of a text: each word is hashed once (two 32-bit lanes), and each n-gram's hash
 * is a polynomial over its words' hashes, rolled along the text in O(words) with 32-bit arithmetic,
 * then packed into 53 bits.
 */
function* ngramHashes(text: string, n: number): Generator<number> {
  const words = contentWords(text);
  if (words.length < n) return;
  const first = new Uint32Array(words.length);
  const second = new Uint32Array(words.length);
  for (let index = 0; index < words.length; index += 1) {
    first[index] = wordHash(words[index]!, 0x811c9dc5);
    second[index] = wordHash(words[index]!, 0x9e3779b9);
  }
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
  for (let index = 0; index < words.length; index += 1) {
    if (index >= n) {
      rollingFirst = (rollingFirst - Math.imul(first[index - n]!, powerFirst)) | 0;
      rollingSecond = (rollingSecond - Math.imul(second[index - n]!, powerSecond)) | 0;
    }
    rollingFirst = (Math.imul(rollingFirst, baseFirst) + first[index]!) | 0;
    rollingSecond = (Math.imul(rollingSecond, baseSecond) + second[index]!) | 0;
    if (index >= n - 1) yield (finalize(rollingFirst) & 0x1fffff) * 0x100000000 + finalize(rollingSecond);
  }
}

/**
 * The word n-grams of texts that training data must not share (a test split, a benchmark),
 * kept as 53-bit hashes so that millions fit in memory.
 */
export class NgramIndex {
  private readonly grams = new Set<number>();

  constructor(readonly n: number) {}

  /** Number of distinct n-grams held. */
  get size(): number {
    return this.grams.size;
  }

  /** Adds every n-gram of `text`. */
  add(text: string): void {
    for (const hash of ngramHashes(text, this.n)) this.grams.add(hash);
  }

  /** True when `text` shares at least one n-gram with what was added. */
  overlaps(text: string): boolean {
    if (this.grams.size === 0) return false;
    for (const hash of ngramHashes(text, this.n)) if (this.grams.has(hash)) return true;
    return false;
  }
}
