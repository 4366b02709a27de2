// What the HTML page and the Markdown both derive from a report: which metric leads, the metric order, item outcomes.
import type { EvalItemRow, EvalReport, MetricComparison } from './eval-report.js';
import type { Estimate } from './report-format.js';

/** One metric as the report tables show it; a side is null when the report has no estimate for it. */
export interface MetricRow {
  metric: string;
  candidate: Estimate | null;
  baseline: Estimate | null;
  difference: Estimate | null;
  comparison: MetricComparison | null;
}

/** The metric the cost-versus-quality chart plots: the first with a positive weight, else the first at all. */
export function primaryMetric(report: EvalReport): string | null {
  return (
    report.metrics.find((comparison) => comparison.weight > 0)?.metric ??
    report.metrics[0]?.metric ??
    Object.keys(report.candidate.quality)[0] ??
    Object.keys(report.baseline.quality)[0] ??
    null
  );
}

/** Every metric in the report: the compared ones in their order, then any that only have quality estimates. */
export function metricRows(report: EvalReport): MetricRow[] {
  const names = [
    ...report.metrics.map((comparison) => comparison.metric),
    ...Object.keys(report.candidate.quality),
    ...Object.keys(report.baseline.quality),
  ];
  return [...new Set(names)].map((metric) => ({
    metric,
    candidate: report.candidate.quality[metric] ?? null,
    baseline: report.baseline.quality[metric] ?? null,
    difference: report.difference[metric] ?? report.metrics.find((comparison) => comparison.metric === metric)?.difference ?? null,
    comparison: report.metrics.find((comparison) => comparison.metric === metric) ?? null,
  }));
}

/** How an item came out on one metric: which side scored higher, or a tie, or unscored. */
export type ItemOutcome = 'candidate' | 'baseline' | 'tie' | 'unscored';

/** The item's outcome on `metric`. */
export function itemOutcome(item: EvalItemRow, metric: string | null): ItemOutcome {
  if (metric === null) return 'unscored';
  const candidate = item.candidate.scores[metric];
  const baseline = item.baseline.scores[metric];
  if (candidate === undefined || baseline === undefined) return 'unscored';
  if (candidate > baseline) return 'candidate';
  if (candidate < baseline) return 'baseline';
  return 'tie';
}
