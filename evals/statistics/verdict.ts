// From a paired difference (candidate − baseline, higher is better) and a non-inferiority margin to a verdict,
// per metric and overall.
import { UsageError } from '../../core/index.js';

/** Verdicts of one metric, and of all metrics together, from worst to best. */
export const metricVerdicts = ['LOSE', 'INCONCLUSIVE', 'NON_INFERIOR', 'WIN'] as const;

/** A verdict of the candidate against the baseline. */
export type MetricVerdict = (typeof metricVerdicts)[number];

/** What {@link decideVerdict} needs: the paired difference, the margin and the number of items it came from. */
export interface VerdictInput {
  /** candidate − baseline, oriented so that higher is better for the candidate. */
  difference: { estimate: number; ci: readonly [number, number] };
  /** How much worse the candidate may be and still count as non-inferior; >= 0, in the metric's units. */
  margin: number;
  /** Number of items the difference was measured on. */
  n: number;
}

/** A verdict with what would settle it when it is not settled. */
export interface VerdictDecision {
  verdict: MetricVerdict;
  /**
   * For INCONCLUSIVE: the total number of items (not the additional ones) at which the interval would clear the
   * margin if the estimate held, at least n + 1; null otherwise, and null when the estimate sits exactly on the margin.
   */
  itemsToDecide: number | null;
  explanation: string;
}

/** Four significant digits, without trailing zeros. */
function show(value: number): string {
  return String(Number(value.toPrecision(4)));
}

function checkVerdictInput({ difference, margin, n }: VerdictInput): void {
  const [low, high] = difference.ci;
  if (!Number.isFinite(margin) || margin < 0) throw new UsageError(`verdict: "margin" must be a finite number >= 0, got ${margin}`);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`verdict: "n" must be a whole number >= 1, got ${n}`);
  if (!Number.isFinite(difference.estimate)) throw new UsageError(`verdict: "difference.estimate" must be a finite number, got ${difference.estimate}`);
  if (!Number.isFinite(low) || !Number.isFinite(high) || low > high) {
    throw new UsageError(`verdict: "difference.ci" must be two finite numbers, lower first, got [${low}, ${high}]`);
  }
}

/**
 * Items at which the interval would clear −margin, assuming the estimate stays and the half-width shrinks like 1/√n.
 * The half-width used is the side of the interval facing the margin, since a percentile interval need not be
 * symmetric: n' = n · (halfWidth / |estimate + margin|)², rounded up, and at least n + 1 (a bound that sits
 * exactly on −margin is still undecided).
 */
function itemsToClearMargin({ difference, margin, n }: VerdictInput): number | null {
  const distance = difference.estimate + margin;
  if (distance === 0) return null;
  const [low, high] = difference.ci;
  const halfWidth = distance > 0 ? difference.estimate - low : high - difference.estimate;
  const items = n * (halfWidth / distance) ** 2;
  // Float noise (0.03 / 0.02 = 1.4999999999999998) must not add an item to a whole answer.
  return Math.max(n + 1, Math.ceil(items - 1e-9 * items));
}

/**
 * The verdict of one metric: WIN when the interval lies above 0; NON_INFERIOR when its lower bound lies above
 * −margin; LOSE when its upper bound lies below −margin; otherwise INCONCLUSIVE, with the items that would decide it.
 *
 * @example
 * decideVerdict({ difference: { estimate: -0.01, ci: [-0.04, 0.02] }, margin: 0.05, n: 500 }).verdict; // 'NON_INFERIOR'
 */
export function decideVerdict(input: VerdictInput): VerdictDecision {
  checkVerdictInput(input);
  const { difference, margin, n } = input;
  const [low, high] = difference.ci;
  const interval = `difference ${show(difference.estimate)} (CI ${show(low)} to ${show(high)}, n=${n})`;
  if (low > 0) {
    return { verdict: 'WIN', itemsToDecide: null, explanation: `${interval}: the whole interval is above 0, so the candidate is better` };
  }
  if (low > -margin) {
    return {
      verdict: 'NON_INFERIOR',
      itemsToDecide: null,
      explanation: `${interval}: the lower bound is above -${show(margin)}, so the candidate is worse by less than the margin ${show(margin)}, if at all`,
    };
  }
  if (high < -margin) {
    return {
      verdict: 'LOSE',
      itemsToDecide: null,
      explanation: `${interval}: the upper bound is below -${show(margin)}, so the candidate is worse by more than the margin ${show(margin)}`,
    };
  }
  const itemsToDecide = itemsToClearMargin(input);
  const settle =
    itemsToDecide === null
      ? 'the estimate sits exactly on the margin, so more items alone would not decide it'
      : `about ${itemsToDecide} items in all would decide it if the estimate held`;
  return {
    verdict: 'INCONCLUSIVE',
    itemsToDecide,
    explanation: `${interval}: the interval contains -${show(margin)}, minus the margin; ${settle}`,
  };
}

/** One metric's verdict and how much it counts in the overall verdict. */
export interface WeightedVerdict {
  metric: string;
  /** >= 0; a metric of weight 0 is reported but does not take part in the overall verdict. */
  weight: number;
  verdict: MetricVerdict;
}

/** The overall verdict and the metrics that set it. */
export interface CombinedVerdict {
  verdict: MetricVerdict;
  /** The weighted metrics whose verdict is the overall one. */
  decidingMetrics: string[];
  explanation: string;
}

/**
 * The overall verdict is the worst verdict among metrics of weight > 0, in the order
 * LOSE < INCONCLUSIVE < NON_INFERIOR < WIN: the strongest claim that holds on every metric that counts.
 * So one LOSE loses, one INCONCLUSIVE keeps it open, and WIN needs a WIN on every weighted metric.
 * Weights beyond zero do not trade one metric off against another: a loss on a light metric is still a loss.
 */
export function combineVerdicts(perMetric: readonly WeightedVerdict[]): CombinedVerdict {
  const seen = new Set<string>();
  for (const { metric, weight, verdict } of perMetric) {
    if (seen.has(metric)) throw new UsageError(`verdict: metric "${metric}" is listed twice; give each metric one verdict`);
    seen.add(metric);
    if (!Number.isFinite(weight) || weight < 0) throw new UsageError(`verdict: the weight of metric "${metric}" must be a finite number >= 0, got ${weight}`);
    if (!metricVerdicts.includes(verdict)) {
      throw new UsageError(`verdict: the verdict of metric "${metric}" must be one of ${metricVerdicts.join('|')}, got "${String(verdict)}"`);
    }
  }
  const counted = perMetric.filter((entry) => entry.weight > 0);
  if (counted.length === 0) {
    throw new UsageError(`verdict: at least one metric needs a weight > 0 to decide the overall verdict, got ${perMetric.length} metrics all of weight 0`);
  }
  const rank = (verdict: MetricVerdict): number => metricVerdicts.indexOf(verdict);
  const worst = counted.reduce((lowest, entry) => (rank(entry.verdict) < rank(lowest) ? entry.verdict : lowest), 'WIN' as MetricVerdict);
  const decidingMetrics = counted.filter((entry) => entry.verdict === worst).map((entry) => entry.metric);
  const ignored = perMetric.length - counted.length;
  const explanation =
    `${worst}: the worst verdict among ${counted.length} weighted metric${counted.length === 1 ? '' : 's'}, set by ${decidingMetrics.join(', ')}` +
    (ignored > 0 ? `; ${ignored} metric${ignored === 1 ? '' : 's'} of weight 0 reported only` : '');
  return { verdict: worst, decidingMetrics, explanation };
}
