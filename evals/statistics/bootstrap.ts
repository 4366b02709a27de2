// Percentile bootstrap over item indices. Resampling indices, not values, lets one resample drive several
// statistics at once, which is what pairs the candidate with the baseline on the same items.
import { SeededRandom, UsageError } from '../../core/index.js';

/** How a bootstrap resamples. */
export interface BootstrapOptions {
  /** Seed of the resampling; the same seed, data and options give the same interval. */
  seed: number;
  /** Number of resamples; 2000 by default. */
  resamples?: number;
  /** Coverage of the interval, strictly between 0 and 1; 0.95 by default. */
  confidence?: number;
}

/** A point estimate with its percentile bootstrap interval. */
export interface BootstrapInterval {
  estimate: number;
  ci: [number, number];
}

/**
 * A statistic computed from a list of item indices (with repeats, in a resample).
 * The list may be reused between calls, so a statistic must not keep it.
 */
export type IndexStatistic = (indices: ArrayLike<number>) => number;

/** A paired difference with the point estimates of both sides. */
export interface PairedDifference extends BootstrapInterval {
  candidate: number;
  baseline: number;
}

function checkedOptions(options: BootstrapOptions): Required<BootstrapOptions> {
  const { seed, resamples = 2000, confidence = 0.95 } = options;
  if (!Number.isFinite(seed)) throw new UsageError(`bootstrap: "seed" must be a finite number, got ${seed}`);
  if (!Number.isInteger(resamples) || resamples < 1) throw new UsageError(`bootstrap: "resamples" must be a whole number >= 1, got ${resamples}`);
  if (!(confidence > 0 && confidence < 1)) throw new UsageError(`bootstrap: "confidence" must lie strictly between 0 and 1, got ${confidence}`);
  return { seed, resamples, confidence };
}

function checkedItemCount(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`bootstrap: the number of items must be a whole number >= 1, got ${n}`);
}

function checkedValues(subject: string, values: readonly number[]): void {
  if (values.length === 0) throw new UsageError(`bootstrap: ${subject} must hold at least one value, got none`);
  const bad = values.findIndex((value) => !Number.isFinite(value));
  if (bad >= 0) throw new UsageError(`bootstrap: ${subject}[${bad}] must be a finite number, got ${values[bad]}`);
}

/** The p-quantile of sorted values, interpolating linearly between neighbouring order statistics. */
function quantileOfSorted(sorted: Float64Array, p: number): number {
  const position = (sorted.length - 1) * p;
  const lower = Math.floor(position);
  const upper = Math.min(lower + 1, sorted.length - 1);
  const low = sorted[lower] as number;
  return low + (position - lower) * ((sorted[upper] as number) - low);
}

/**
 * Percentile bootstrap of any statistic of `n` items: the estimate is the statistic over all items, the interval
 * comes from the statistic over `resamples` resamples of n indices drawn with replacement.
 *
 * @example
 * bootstrapStatistic(scores.length, (indices) => median(indices), { seed: 7 });
 */
export function bootstrapStatistic(n: number, statistic: IndexStatistic, options: BootstrapOptions): BootstrapInterval {
  checkedItemCount(n);
  const { seed, resamples, confidence } = checkedOptions(options);
  const all = new Int32Array(n);
  for (let index = 0; index < n; index += 1) all[index] = index;
  const estimate = statistic(all);
  if (!Number.isFinite(estimate)) throw new UsageError(`bootstrap: the statistic over all ${n} items must be a finite number, got ${estimate}`);

  const random = new SeededRandom(seed);
  const indices = new Int32Array(n);
  const draws = new Float64Array(resamples);
  for (let resample = 0; resample < resamples; resample += 1) {
    for (let index = 0; index < n; index += 1) indices[index] = random.int(n);
    const value = statistic(indices);
    if (!Number.isFinite(value)) {
      throw new UsageError(`bootstrap: the statistic must be a finite number on every resample, got ${value} on resample ${resample}`);
    }
    draws[resample] = value;
  }
  draws.sort();
  const tail = (1 - confidence) / 2;
  return { estimate, ci: [quantileOfSorted(draws, tail), quantileOfSorted(draws, 1 - tail)] };
}

/** Percentile bootstrap of the mean of `values`. */
export function bootstrapMean(values: readonly number[], options: BootstrapOptions): BootstrapInterval {
  checkedValues('values', values);
  return bootstrapStatistic(
    values.length,
    (indices) => {
      let sum = 0;
      for (let index = 0; index < indices.length; index += 1) sum += values[indices[index] as number] as number;
      return sum / indices.length;
    },
    options,
  );
}

/**
 * Mean of candidate − baseline over paired per-item scores, with a bootstrap interval that resamples items jointly,
 * so the interval reflects the pairing (items hard for both cancel out).
 */
export function pairedBootstrapDifference(candidate: readonly number[], baseline: readonly number[], options: BootstrapOptions): PairedDifference {
  if (candidate.length !== baseline.length) {
    throw new UsageError(`bootstrap: candidate and baseline must have one score per item each, got ${candidate.length} and ${baseline.length}`);
  }
  checkedValues('candidate', candidate);
  checkedValues('baseline', baseline);
  const differences = candidate.map((value, index) => value - (baseline[index] as number));
  const interval = bootstrapMean(differences, options);
  return { ...interval, candidate: mean(candidate), baseline: mean(baseline) };
}

/**
 * Difference of two corpus statistics (such as corpus BLEU, which is not a mean of per-item scores), each computed
 * over the same resampled indices, so the interval reflects the pairing.
 */
export function pairedBootstrapCorpusDifference(
  n: number,
  candidateStatistic: IndexStatistic,
  baselineStatistic: IndexStatistic,
  options: BootstrapOptions,
): PairedDifference {
  const interval = bootstrapStatistic(n, (indices) => candidateStatistic(indices) - baselineStatistic(indices), options);
  const all = Array.from({ length: n }, (_, index) => index);
  return { ...interval, candidate: candidateStatistic(all), baseline: baselineStatistic(all) };
}

function mean(values: readonly number[]): number {
  let sum = 0;
  for (const value of values) sum += value;
  return sum / values.length;
}
