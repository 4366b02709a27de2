import type { CanonicalRecord } from '../canonical-record.js';
import { finalize } from './text-hash.js';
import { tokensForCharacters } from './token-estimate.js';

/** Quality thresholds; see `curationConfig.quality`. */
export interface QualityOptions {
  minTokens: number;
  maxTokens: number;
  dropDegenerate: boolean;
  maxRepetition: number;
}

/** Why a record failed the quality filters. */
export type QualityReason = 'too-few-tokens' | 'too-many-tokens' | 'degenerate-response' | 'repetitive-response';

/** A response with nothing to learn from: no letters or digits at all, or one character repeated. */
export function isDegenerate(text: string): boolean {
  const trimmed = text.trim();
  if (trimmed === '') return true;
  if (!/[\p{L}\p{N}]/u.test(trimmed)) return true;
  return trimmed.length >= 5 && /^(.)\1+$/su.test(trimmed);
}

/** JavaScript's `\s`: what `split(/\s+/)` splits words at. */
function isSpace(code: number): boolean {
  if (code < 0x80) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  return code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000 || code === 0xfeff;
}

// Scratch of `repetitionShare`, reused across calls: word hashes in two 32-bit lanes, and a table of trigram hashes.
let wordFirst = new Int32Array(256);
let wordSecond = new Int32Array(256);
let trigrams = new Float64Array(512);

/**
 * The share of word 3-grams in `text` that repeat an earlier one; 0 for texts under 12 words. Words
 * are split at whitespace and compared case-insensitively. Trigrams are compared by a 53-bit hash in
 * an open-addressing table instead of as joined strings in a Set: this runs on every response.
 */
export function repetitionShare(text: string): number {
  const lower = text.toLowerCase();
  let words = 0;
  let first = 0x811c9dc5;
  let second = 0x9e3779b9;
  let inWord = false;
  for (let index = 0; index <= lower.length; index += 1) {
    const code = index < lower.length ? lower.charCodeAt(index) : 0x20;
    if (!isSpace(code)) {
      first = Math.imul(first ^ code, 0x01000193);
      second = Math.imul(second ^ code, 0x5bd1e995);
      inWord = true;
      continue;
    }
    if (!inWord) continue;
    if (words === wordFirst.length) {
      const grownFirst = new Int32Array(words * 2);
      const grownSecond = new Int32Array(words * 2);
      grownFirst.set(wordFirst);
      grownSecond.set(wordSecond);
      wordFirst = grownFirst;
      wordSecond = grownSecond;
    }
    wordFirst[words] = finalize(first);
    wordSecond[words] = finalize(second);
    words += 1;
    first = 0x811c9dc5;
    second = 0x9e3779b9;
    inWord = false;
  }
  if (words < 12) return 0;
  let capacity = 32;
  while (capacity < words * 2) capacity *= 2;
  if (trigrams.length < capacity) trigrams = new Float64Array(capacity);
  const table = trigrams;
  table.fill(0, 0, capacity);
  const mask = capacity - 1;
  let repeated = 0;
  for (let index = 0; index + 2 < words; index += 1) {
    const high = finalize(Math.imul(Math.imul(wordFirst[index]!, 0x01000193) ^ wordFirst[index + 1]!, 0x01000193) ^ wordFirst[index + 2]!) & 0x1fffff;
    const low = finalize(Math.imul(Math.imul(wordSecond[index]!, 0x5bd1e995) ^ wordSecond[index + 1]!, 0x5bd1e995) ^ wordSecond[index + 2]!);
    // 0 marks an empty cell; a hash of 0 (a 2^-53 chance) counts as 1.
    const hash = high * 0x100000000 + low || 1;
    let cell = low & mask;
    while (table[cell] !== 0 && table[cell] !== hash) cell = (cell + 1) & mask;
    if (table[cell] === hash) repeated += 1;
    else table[cell] = hash;
  }
  return repeated / (words - 2);
}

/** The first quality filter a record fails, or undefined when it passes them all. */
export function qualityProblem(record: CanonicalRecord, options: QualityOptions): QualityReason | undefined {
  let characters = 0;
  for (const message of record.messages) characters += message.content.length;
  const tokens = tokensForCharacters(characters);
  if (tokens < options.minTokens) return 'too-few-tokens';
  if (tokens > options.maxTokens) return 'too-many-tokens';
  for (const message of record.messages) {
    if (message.role !== 'assistant') continue;
    if (options.dropDegenerate && isDegenerate(message.content)) return 'degenerate-response';
    if (repetitionShare(message.content) > options.maxRepetition) return 'repetitive-response';
  }
  return undefined;
}
