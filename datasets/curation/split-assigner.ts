import { HashSet53 } from './hash-set.js';

/** The splits of a dataset version. */
export const splitNames = ['train', 'validation', 'test'] as const;

/** One of `train`, `validation`, `test`. */
export type SplitName = (typeof splitNames)[number];

/** Shares of each split; they add up to 1. */
export interface SplitShares {
  train: number;
  validation: number;
  test: number;
}

/**
 * Assigns splits by the hash of each record's normalised prompt, so the same prompt never lands
 * in two splits and the same data always splits the same way. Stratified: within each label
 * group the cut points are the hash quantiles of that group, so each label is divided in the
 * configured shares (up to records that share a prompt, which stay together).
 */
export class SplitAssigner {
  private readonly hashesByGroup = new Map<string, number[]>();
  private cuts: Map<string, [number, number]> | undefined;
  /** Prompts seen more than once, and the split each got first: records repeating a prompt under another label follow it. */
  private readonly seenPrompts = new HashSet53();
  private readonly repeatedPrompts = new HashSet53();
  private readonly byPrompt = new Map<number, SplitName>();

  constructor(private readonly shares: SplitShares) {}

  /** Sizes the set of prompts seen for about `records` records, so that it does not rehash on the way. */
  reserve(records: number): void {
    this.seenPrompts.reserve(records);
  }

  /** Records one record's prompt hash under its group (its label, or "" when unstratified). */
  observe(group: string, promptHash: number): void {
    if (!this.seenPrompts.add(promptHash)) this.repeatedPrompts.add(promptHash);
    let hashes = this.hashesByGroup.get(group);
    if (hashes === undefined) this.hashesByGroup.set(group, (hashes = []));
    hashes.push(promptHash);
  }

  private cutPoints(): Map<string, [number, number]> {
    if (this.cuts !== undefined) return this.cuts;
    this.cuts = new Map();
    for (const [group, hashes] of this.hashesByGroup) {
      const sorted = Float64Array.from(hashes).sort();
      // Rounded counts, so that a label with a single record trains rather than landing in the test split.
      const at = (share: number) => {
        const count = Math.round(share * sorted.length);
        return count >= sorted.length ? Number.POSITIVE_INFINITY : sorted[count]!;
      };
      this.cuts.set(group, [at(this.shares.train), at(this.shares.train + this.shares.validation)]);
    }
    this.hashesByGroup.clear();
    return this.cuts;
  }

  /** The split of a record; call after every record was observed. */
  assign(group: string, promptHash: number): SplitName {
    const repeated = this.repeatedPrompts.has(promptHash);
    const earlier = repeated ? this.byPrompt.get(promptHash) : undefined;
    if (earlier !== undefined) return earlier;
    const cut = this.cutPoints().get(group);
    if (cut === undefined) throw new Error(`split group ${JSON.stringify(group)} was never observed`);
    const split: SplitName = promptHash < cut[0] ? 'train' : promptHash < cut[1] ? 'validation' : 'test';
    if (repeated) this.byPrompt.set(promptHash, split);
    return split;
  }
}
