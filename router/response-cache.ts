import { canonicalJson, sha256Hex } from '../core/index.js';

/** A cached answer: enough to build the response again with a fresh id. */
export interface CachedAnswer {
  text: string;
  finishReason: string;
  promptTokens: number;
  completionTokens: number;
}

/**
 * An exact-match cache of deterministic (temperature 0) answers, in memory, least recently used out. Keys include
 * the adapter version that answered, so a promotion never serves the old version's answers.
 */
export class ResponseCache {
  private readonly entries = new Map<string, CachedAnswer>();

  constructor(private readonly maxEntries = 1000) {}

  /** The key of a request: what answered it and everything that shapes the answer. */
  static key(servedBy: string, request: unknown): string {
    return sha256Hex(canonicalJson({ servedBy, request }));
  }

  get(key: string): CachedAnswer | undefined {
    const answer = this.entries.get(key);
    if (answer !== undefined) {
      this.entries.delete(key);
      this.entries.set(key, answer);
    }
    return answer;
  }

  set(key: string, answer: CachedAnswer): void {
    this.entries.delete(key);
    this.entries.set(key, answer);
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value as string);
  }
}
