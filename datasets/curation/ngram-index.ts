import { HashSet53 } from './hash-set.js';
import { finalize } from './text-hash.js';

const letterOrDigit = /[\p{L}\p{N}]/u;

function isWordCharacter(code: number, text: string, index: number): boolean {
  if (code < 0x80) return (code >= 0x30 && code <= 0x39) || (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a);
  return letterOrDigit.test(text[index]!);
}

/** Lowercases one UTF-16 unit cheaply for ASCII, through the string API otherwise. */
function lower(code: number, text: string, index: number): number {
  if (code < 0x80) return code >= 0x41 && code <= 0x5a ? code + 32 : code;
  return text[index]!.toLowerCase().charCodeAt(0);
}

/**
 * The 53-bit hashes of a text's word n-grams, written into `into` (grown as needed); returns how many.
 * Words are found and hashed in one pass over the characters (two 32-bit lanes, no word strings),
 * and each n-gram's hash is a polynomial over its words' hashes, rolled along the text.
 */
function ngramHashes(text: string, n: number, scratch: { first: Uint32Array; second: Uint32Array; out: Float64Array }): number {
  let words = 0;
  let first = 0x811c9dc5;
  let second = 0x9e3779b9;
  let inWord = false;
  const push = () => {
    if (words === scratch.first.length) {
      const grownFirst = new Uint32Array(words * 2);
      const grownSecond = new Uint32Array(words * 2);
      grownFirst.set(scratch.first);
      grownSecond.set(scratch.second);
      scratch.first = grownFirst;
      scratch.second = grownSecond;
    }
    scratch.first[words] = finalize(first);
    scratch.second[words] = finalize(second);
    words += 1;
    first = 0x811c9dc5;
    second = 0x9e3779b9;
  };
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (isWordCharacter(code, text, index)) {
      const character = lower(code, text, index);
      first = Math.imul(first ^ character, 0x01000193);
      second = Math.imul(second ^ character, 0x5bd1e995);
      inWord = true;
    } else if (inWord) {
      push();
      inWord = false;
    }
  }
  if (inWord) push();
  if (words < n) return 0;
  if (scratch.out.length < words) scratch.out = new Float64Array(words * 2);
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
      rollingFirst = (rollingFirst - Math.imul(scratch.first[index - n]!, powerFirst)) | 0;
      rollingSecond = (rollingSecond - Math.imul(scratch.second[index - n]!, powerSecond)) | 0;
    }
    rollingFirst = (Math.imul(rollingFirst, baseFirst) + scratch.first[index]!) | 0;
    rollingSecond = (Math.imul(rollingSecond, baseSecond) + scratch.second[index]!) | 0;
    if (index >= n - 1) {
      scratch.out[count] = (finalize(rollingFirst) & 0x1fffff) * 0x100000000 + finalize(rollingSecond);
      count += 1;
    }
  }
  return count;
}

/**
 * The word n-grams of texts that training data must not share (a test split, a benchmark),
 * kept as 53-bit hashes so that millions fit in memory.
 */
export class NgramIndex {
  private readonly grams = new HashSet53();
  private readonly scratch = { first: new Uint32Array(256), second: new Uint32Array(256), out: new Float64Array(256) };

  constructor(readonly n: number) {}

  /** Number of distinct n-grams held. */
  get size(): number {
    return this.grams.size;
  }

  /** Adds every n-gram of `text`. */
  add(text: string): void {
    const count = ngramHashes(text, this.n, this.scratch);
    for (let index = 0; index < count; index += 1) this.grams.add(this.scratch.out[index]!);
  }

  /** True when `text` shares at least one n-gram with what was added. */
  overlaps(text: string): boolean {
    if (this.grams.size === 0) return false;
    const count = ngramHashes(text, this.n, this.scratch);
    for (let index = 0; index < count; index += 1) if (this.grams.has(this.scratch.out[index]!)) return true;
    return false;
  }
}
