import { PairHeap } from './bpe-pair-heap.js';

/** Pair keys pack two token ids into one number, so ids must stay below this. */
export const maxBpeVocabSize = 65_536;

/** What {@link learnMerges} needs: counted words as byte-id sequences and the starting vocabulary. */
export interface LearnMergesInput {
  /** Each unique word as a sequence of token ids from `tokens`. */
  words: readonly (readonly number[])[];
  /** How often each word occurs. */
  counts: readonly number[];
  /** The starting vocabulary, by id; merged tokens are appended. */
  tokens: readonly string[];
  /** Stop when the vocabulary has this many tokens. */
  vocabSize: number;
}

/** The learned vocabulary (by id) and merges (in rank order, as token pairs). */
export interface LearnedMerges {
  tokens: string[];
  merges: [string, string][];
}

const pairKey = (left: number, right: number): number => left * maxBpeVocabSize + right;

/** Mutable training state: the words as they are merged, and the pair counts and pair → word index. */
class MergeState {
  readonly pairCounts = new Map<number, number>();
  readonly pairWords = new Map<number, number[]>();
  readonly words: number[][];
  private readonly visited: Uint32Array;
  private visitStamp = 0;

  constructor(
    words: readonly (readonly number[])[],
    readonly counts: readonly number[],
  ) {
    this.words = words.map((word) => [...word]);
    this.visited = new Uint32Array(words.length);
    this.words.forEach((word, index) => {
      for (let i = 0; i + 1 < word.length; i += 1) this.notePair(pairKey(word[i] as number, word[i + 1] as number), index, counts[index] as number);
    });
  }

  private notePair(key: number, wordIndex: number, count: number): void {
    this.pairCounts.set(key, (this.pairCounts.get(key) ?? 0) + count);
    const holders = this.pairWords.get(key);
    if (holders === undefined) this.pairWords.set(key, [wordIndex]);
    else if (holders[holders.length - 1] !== wordIndex) holders.push(wordIndex);
  }

  /** Replaces every (left, right) with `merged` and returns the pairs whose counts changed. */
  apply(left: number, right: number, merged: number): Set<number> {
    const changed = new Set<number>();
    const holders = this.pairWords.get(pairKey(left, right)) ?? [];
    this.visitStamp += 1;
    for (const wordIndex of holders) {
      if (this.visited[wordIndex] === this.visitStamp) continue;
      this.visited[wordIndex] = this.visitStamp;
      this.mergeWord(wordIndex, left, right, merged, changed);
    }
    this.pairWords.delete(pairKey(left, right));
    return changed;
  }

  private mergeWord(wordIndex: number, left: number, right: number, merged: number, changed: Set<number>): void {
    const word = this.words[wordIndex] as number[];
    const count = this.counts[wordIndex] as number;
    const next: number[] = [];
    for (let i = 0; i < word.length; i += 1) {
      if (word[i] === left && word[i + 1] === right) {
        next.push(merged);
        i += 1;
      } else next.push(word[i] as number);
    }
    if (next.length === word.length) return;
    for (let i = 0; i + 1 < word.length; i += 1) {
      const key = pairKey(word[i] as number, word[i + 1] as number);
      this.pairCounts.set(key, (this.pairCounts.get(key) ?? 0) - count);
      changed.add(key);
    }
    for (let i = 0; i + 1 < next.length; i += 1) {
      const key = pairKey(next[i] as number, next[i + 1] as number);
      this.notePair(key, wordIndex, count);
      changed.add(key);
    }
    this.words[wordIndex] = next;
  }
}

/**
 * Learns byte-pair merges greedily: always the most frequent adjacent pair (ties to the smaller pair
 * of ids), updating pair counts only in the words that contain it, until `vocabSize` tokens exist
 * or no pair is left. A merge whose text is already a token reuses that token's id.
 */
export function learnMerges(input: LearnMergesInput): LearnedMerges {
  const tokens = [...input.tokens];
  const tokenIds = new Map(tokens.map((token, id) => [token, id]));
  const merges: [string, string][] = [];
  const recorded = new Set<string>();
  const state = new MergeState(input.words, input.counts);
  const heap = new PairHeap();
  for (const [key, count] of state.pairCounts) heap.push(count, key);

  while (tokens.length < input.vocabSize) {
    const top = heap.pop();
    if (top === undefined) break;
    const current = state.pairCounts.get(top.key) ?? 0;
    if (current !== top.count || current <= 0) continue;
    const left = Math.floor(top.key / maxBpeVocabSize);
    const right = top.key % maxBpeVocabSize;
    const text = (tokens[left] as string) + (tokens[right] as string);
    let merged = tokenIds.get(text);
    if (merged === undefined) {
      merged = tokens.length;
      tokens.push(text);
      tokenIds.set(text, merged);
    }
    const mergeText = `${tokens[left] as string} ${tokens[right] as string}`;
    // A pair can only come back through a reused id; listing it twice would change its rank.
    if (!recorded.has(mergeText)) {
      recorded.add(mergeText);
      merges.push([tokens[left] as string, tokens[right] as string]);
    }
    for (const key of state.apply(left, right, merged)) {
      const count = state.pairCounts.get(key) ?? 0;
      if (count > 0) heap.push(count, key);
      else state.pairCounts.delete(key);
    }
  }
  return { tokens, merges };
}
