// McNemar's test for paired pass/fail outcomes: did the candidate and the baseline fail on different items
// more often than chance would have it? Only the discordant items (one passed, the other failed) carry evidence.
import { UsageError } from '../../core/index.js';
import { chiSquareSurvival } from './chi-square.js';

/** Below this many discordant items the exact binomial test is used; from here on the chi-square approximation. */
export const mcnemarExactBelow = 25;

/** Discordant counts of paired outcomes. */
export interface DiscordantCounts {
  /** Items the candidate passed and the baseline failed. */
  b: number;
  /** Items the candidate failed and the baseline passed. */
  c: number;
}

/** The outcome of McNemar's test. */
export interface McNemarResult extends DiscordantCounts {
  /**
   * For `exact`: min(b, c), the count the binomial tail is taken at.
   * For `chi-square`: max(0, |b − c| − 1)² / (b + c), the statistic with continuity correction.
   */
  statistic: number;
  /** Two-sided p-value, in [0, 1]. */
  pValue: number;
  method: 'exact' | 'chi-square';
}

/** Counts the discordant pairs of two pass/fail lists over the same items, in the same order. */
export function countDiscordant(candidate: readonly boolean[], baseline: readonly boolean[]): DiscordantCounts {
  if (candidate.length !== baseline.length) {
    throw new UsageError(`McNemar: candidate and baseline must have one outcome per item each, got ${candidate.length} and ${baseline.length}`);
  }
  let b = 0;
  let c = 0;
  for (let index = 0; index < candidate.length; index += 1) {
    if (candidate[index] && !baseline[index]) b += 1;
    else if (!candidate[index] && baseline[index]) c += 1;
  }
  return { b, c };
}

/** 2 · P(X <= k) for X ~ Binomial(n, 1/2), capped at 1; terms built by ratio, exact enough for small n. */
function twoSidedBinomialHalf(k: number, n: number): number {
  let term = 2 ** -n;
  let tail = term;
  for (let i = 0; i < k; i += 1) {
    term *= (n - i) / (i + 1);
    tail += term;
  }
  return Math.min(1, 2 * tail);
}

/**
 * McNemar's test: exact two-sided binomial p-value when b + c < 25, otherwise chi-square(1) with continuity correction.
 * The correction is clamped at zero, so b = c gives a statistic of 0 and a p-value of 1 rather than a spurious 1/(b + c).
 *
 * @example
 * mcnemarTest({ b: 10, c: 2 }); // { method: 'exact', pValue: 0.0386, ... }
 */
export function mcnemarTest(counts: DiscordantCounts): McNemarResult {
  const { b, c } = counts;
  for (const [name, value] of [['b', b], ['c', c]] as const) {
    if (!Number.isInteger(value) || value < 0) throw new UsageError(`McNemar: "${name}" must be a whole number >= 0, got ${value}`);
  }
  const discordant = b + c;
  if (discordant < mcnemarExactBelow) {
    const smaller = Math.min(b, c);
    return { b, c, statistic: smaller, pValue: twoSidedBinomialHalf(smaller, discordant), method: 'exact' };
  }
  const statistic = Math.max(0, Math.abs(b - c) - 1) ** 2 / discordant;
  return { b, c, statistic, pValue: chiSquareSurvival(statistic, 1), method: 'chi-square' };
}
