import { z } from 'zod';
import type { ItemMetricDefinition } from './metric-contracts.js';

/** Options of `rouge_l`: β weighs recall β times as much as precision. */
export const rougeLOptions = z.object({ beta: z.number().positive().finite().default(1) }).strict();

/** Parsed options of `rouge_l`. */
export type RougeLOptions = z.infer<typeof rougeLOptions>;

/** Length of the longest common subsequence of two token lists, in two rows of memory. */
export function longestCommonSubsequence(left: readonly string[], right: readonly string[]): number {
  let previous = new Array<number>(right.length + 1).fill(0);
  let current = new Array<number>(right.length + 1).fill(0);
  for (const leftToken of left) {
    for (let column = 1; column <= right.length; column += 1) {
      current[column] = leftToken === right[column - 1] ? previous[column - 1]! + 1 : Math.max(previous[column]!, current[column - 1]!);
    }
    [previous, current] = [current, previous];
  }
  return previous[right.length]!;
}

function rougeTokens(text: string): string[] {
  return text.toLowerCase().split(/\s+/u).filter((token) => token !== '');
}

/**
 * ROUGE-L F-measure (Lin, 2004): with LCS the longest common subsequence of lowercased whitespace tokens,
 * R = LCS / |reference|, P = LCS / |candidate|, F = (1 + β²)·R·P / (R + β²·P).
 * @example rougeLScore('police kill the gunman', 'police killed the gunman') // 0.75
 */
export function rougeLScore(candidate: string, reference: string, beta = 1): number {
  const candidateTokens = rougeTokens(candidate);
  const referenceTokens = rougeTokens(reference);
  if (candidateTokens.length === 0 || referenceTokens.length === 0) return candidateTokens.length === referenceTokens.length ? 1 : 0;
  const common = longestCommonSubsequence(candidateTokens, referenceTokens);
  if (common === 0) return 0;
  const recall = common / referenceTokens.length;
  const precision = common / candidateTokens.length;
  const betaSquared = beta * beta;
  return ((1 + betaSquared) * recall * precision) / (recall + betaSquared * precision);
}

/** `rouge_l`: ROUGE-L F-measure of the output against the reference. */
export const rougeL: ItemMetricDefinition<RougeLOptions> = {
  name: 'rouge_l',
  description: 'ROUGE-L F-measure: longest common subsequence of lowercased whitespace tokens; option beta (default 1).',
  kind: 'item',
  binary: false,
  optionsSchema: rougeLOptions,
  scoreItem: (output, item, options) => rougeLScore(output, item.reference, options.beta),
};
