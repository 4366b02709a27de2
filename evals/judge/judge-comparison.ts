// The statistics of a judge metric, whose items may be unscored (an unreadable reply): each side's mean over the
// items it has a value for, and the paired difference over the items both sides have one for.
import type { MetricComparison } from '../report/eval-report.js';
import { bootstrapMean, decideVerdict, pairedBootstrapDifference, type BootstrapOptions } from '../statistics/index.js';

/** A mean with its bootstrap interval, as reports hold it. */
export interface Estimate {
  mean: number;
  ci: [number, number];
}

/** Per-item values of a judge metric for both sides; null where the judge's reply could not be read. */
export interface JudgeMetricScores {
  metric: string;
  candidate: readonly (number | null)[];
  baseline: readonly (number | null)[];
}

/** A judge metric's estimates and comparison; null where no item was scored. */
export interface JudgeMetricResult {
  metric: string;
  candidate: Estimate | null;
  baseline: Estimate | null;
  comparison: MetricComparison | null;
}

/** What the comparison needs from the rubric. */
export interface JudgeComparisonSettings {
  weight: number;
  margin: number;
  bootstrap: BootstrapOptions;
}

function estimateOf(values: readonly (number | null)[], bootstrap: BootstrapOptions): Estimate | null {
  const scored = values.filter((value): value is number => value !== null);
  if (scored.length === 0) return null;
  const { estimate, ci } = bootstrapMean(scored, bootstrap);
  return { mean: estimate, ci };
}

/** Both sides' means and the paired comparison of one judge metric, with the verdict at the rubric's margin. */
export function compareJudgeScores(scores: JudgeMetricScores, settings: JudgeComparisonSettings): JudgeMetricResult {
  const pairs = scores.candidate.flatMap((own, index) => {
    const theirs = scores.baseline[index];
    return own === null || theirs === null || theirs === undefined ? [] : [[own, theirs] as const];
  });
  const result: JudgeMetricResult = {
    metric: scores.metric,
    candidate: estimateOf(scores.candidate, settings.bootstrap),
    baseline: estimateOf(scores.baseline, settings.bootstrap),
    comparison: null,
  };
  if (pairs.length === 0) return result;
  const paired = pairedBootstrapDifference(
    pairs.map(([own]) => own),
    pairs.map(([, theirs]) => theirs),
    settings.bootstrap,
  );
  const decision = decideVerdict({ difference: { estimate: paired.estimate, ci: paired.ci }, margin: settings.margin, n: pairs.length });
  result.comparison = {
    metric: scores.metric,
    weight: settings.weight,
    binary: false,
    threshold: null,
    difference: { mean: paired.estimate, ci: paired.ci },
    mcnemar: null,
    verdict: decision.verdict,
    itemsToDecide: decision.itemsToDecide,
    explanation: decision.explanation,
  };
  return result;
}
