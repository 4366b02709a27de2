import { hash53 } from './text-hash.js';

/** Lowercased words of a text, punctuation removed, as n-gram decontamination compares them. */
export function contentWords(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter((word) => word !== '');
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
    const words = contentWords(text);
    for (let index = 0; index + this.n <= words.length; index += 1) this.grams.add(hash53(words.slice(index, index + this.n).join(' ')));
  }

  /** True when `text` shares at least one n-gram with what was added. */
  overlaps(text: string): boolean {
    if (this.grams.size === 0) return false;
    const words = contentWords(text);
    for (let index = 0; index + this.n <= words.length; index += 1) {
      if (this.grams.has(hash53(words.slice(index, index + this.n).join(' ')))) return true;
    }
    return false;
  }
}
