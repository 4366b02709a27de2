// The eval report's summary as Markdown: verdict, gate, metric, cost and latency tables, and the first items.
import type { EvalReport } from './eval-report.js';
import {
  formatCount,
  formatEstimate,
  formatMilliseconds,
  formatPValue,
  formatRatio,
  formatScore,
  formatSeconds,
  formatTimestamp,
  formatUsd,
  verdictLabel,
  type Estimate,
} from './report-format.js';
import { metricRows } from './report-view.js';

/** How many items the Markdown lists; the HTML page has them all. */
export const markdownItemLimit = 20;

const itemTextLimit = 160;

/**
 * Text made safe for a Markdown table cell: pipes and Markdown syntax are backslash-escaped, HTML is written as
 * entities (outputs are untrusted and Markdown renderers pass HTML through), and line breaks become `<br>`.
 */
export function markdownCell(text: string): string {
  return text
    .replace(/[\\`*[\]|~]/g, (character) => `\\${character}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/\r?\n/g, '<br>');
}

function shorten(text: string, limit: number): string {
  const single = text.trim();
  return single.length <= limit ? single : `${single.slice(0, limit - 1)}…`;
}

function table(header: readonly string[], rows: readonly (readonly string[])[], alignRight: ReadonlySet<number> = new Set()): string {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  const rule = header.map((_, index) => (alignRight.has(index) ? '---:' : '---'));
  return [line(header), line(rule), ...rows.map(line)].join('\n');
}

function estimateText(estimate: Estimate | null): string {
  return estimate ? formatEstimate(estimate) : '—';
}

function headerSection(report: EvalReport): string {
  const gate = report.gate.passed ? 'passed' : 'failed';
  const reasons = report.gate.reasons.map((reason) => `- ${markdownCell(reason)}`);
  const facts = table(
    ['Field', 'Value'],
    [
      ['Adapter', markdownCell(report.adapter)],
      ['Dataset', markdownCell(report.dataset)],
      ['Baseline', markdownCell(report.baselineSpec)],
      ['Candidate model', `${markdownCell(report.candidate.model)} — ${markdownCell(report.candidate.description)}`],
      ['Baseline model', `${markdownCell(report.baseline.model)} — ${markdownCell(report.baseline.description)}`],
      ['Items (n)', formatCount(report.n)],
      ['Non-inferiority margin', String(report.margin)],
      ['Price catalog', markdownCell(report.priceCatalogVersion)],
      ['Created', markdownCell(formatTimestamp(report.createdAt))],
      ['Report', markdownCell(report.id)],
    ],
  );
  return [`# Eval report: ${markdownCell(report.adapter)}`, `**Verdict: ${verdictLabel(report.verdict)}** · **Gate: ${gate}**`, reasons.join('\n'), facts]
    .filter((part) => part !== '')
    .join('\n\n');
}

function summarySection(report: EvalReport): string {
  const rows = metricRows(report).map(({ metric, candidate, baseline, difference, comparison }) => [
    markdownCell(metric),
    comparison ? String(comparison.weight) : '—',
    estimateText(candidate),
    estimateText(baseline),
    estimateText(difference),
    comparison ? verdictLabel(comparison.verdict) : '—',
    comparison?.mcnemar ? formatPValue(comparison.mcnemar.pValue) : '—',
    comparison?.itemsToDecide === null || comparison?.itemsToDecide === undefined ? '—' : formatCount(comparison.itemsToDecide),
  ]);
  const header = ['Metric', 'Weight', 'Candidate mean [CI]', 'Baseline mean [CI]', 'Difference [CI]', 'Verdict', 'McNemar p', 'Items to decide'];
  const explanations = report.metrics.map((comparison) => `- **${markdownCell(comparison.metric)}**: ${markdownCell(comparison.explanation)}`);
  return ['## Summary', table(header, rows, new Set([1, 2, 3, 4, 6, 7])), explanations.join('\n')].filter((part) => part !== '').join('\n\n');
}

function costSection(report: EvalReport): string {
  const rows = (['candidate', 'baseline'] as const).map((side) => {
    const { cost, computeSeconds, model } = report[side];
    return [
      side === 'candidate' ? 'Candidate' : 'Baseline',
      markdownCell(model),
      formatUsd(cost.usdPer1MTokens),
      formatUsd(cost.usdPer1kRequests),
      formatUsd(cost.totalUsd),
      computeSeconds === null ? '—' : formatSeconds(computeSeconds),
      markdownCell(cost.basis),
    ];
  });
  const header = ['Side', 'Model', 'USD per 1M tokens', 'USD per 1k requests', 'Total USD', 'Compute', 'Basis'];
  const ratio = report.costRatio === null ? 'unknown (a cost is unknown)' : formatRatio(report.costRatio);
  return ['## Cost', table(header, rows, new Set([2, 3, 4, 5])), `Cost ratio (candidate ÷ baseline, per request): **${ratio}**`].join('\n\n');
}

function latencySection(report: EvalReport): string {
  const rows = (['candidate', 'baseline'] as const).map((side) => {
    const { latencyMs, usage } = report[side];
    return [
      side === 'candidate' ? 'Candidate' : 'Baseline',
      formatMilliseconds(latencyMs.p50),
      formatMilliseconds(latencyMs.p95),
      formatCount(usage.promptTokens),
      formatCount(usage.completionTokens),
      formatCount(usage.cachedPromptTokens),
    ];
  });
  const header = ['Side', 'Latency p50', 'Latency p95', 'Prompt tokens', 'Completion tokens', 'Cached prompt tokens'];
  return ['## Latency and usage', table(header, rows, new Set([1, 2, 3, 4, 5]))].join('\n\n');
}

function lossSection(report: EvalReport): string {
  if (report.trainingLoss === null) return '## Training loss\n\nNo training loss was recorded for this adapter.';
  const describe = (name: string, points: readonly (readonly [number, number])[]): string => {
    const first = points[0];
    const last = points[points.length - 1];
    if (!first || !last) return `- ${name}: no points`;
    return `- ${name}: ${formatScore(first[1])} at step ${first[0]} → ${formatScore(last[1])} at step ${last[0]} (${points.length} points)`;
  };
  return ['## Training loss', [describe('Training loss', report.trainingLoss.trainLoss), describe('Validation loss', report.trainingLoss.validationLoss)].join('\n')].join('\n\n');
}

function itemsSection(report: EvalReport): string {
  const shown = report.items.slice(0, markdownItemLimit);
  const metrics = report.metrics.map((comparison) => comparison.metric);
  const scoreText = (scores: Record<string, number>): string => metrics.map((metric) => (scores[metric] === undefined ? '—' : formatScore(scores[metric]))).join(' / ');
  const rows = shown.map((item) => [
    markdownCell(item.id),
    markdownCell(shorten(item.prompt, itemTextLimit)),
    markdownCell(shorten(item.reference, itemTextLimit)),
    markdownCell(shorten(item.candidate.output, itemTextLimit)),
    markdownCell(shorten(item.baseline.output, itemTextLimit)),
    scoreText(item.candidate.scores),
    scoreText(item.baseline.scores),
  ]);
  const scoreHeader = metrics.length > 0 ? ` (${metrics.map(markdownCell).join(' / ')})` : '';
  const header = ['Item', 'Prompt', 'Reference', 'Candidate output', 'Baseline output', `Candidate scores${scoreHeader}`, `Baseline scores${scoreHeader}`];
  const note = report.items.length > shown.length ? `The first ${shown.length} of ${formatCount(report.items.length)} items; the HTML report lists them all.` : `All ${shown.length} items.`;
  return [`## Items`, note, shown.length > 0 ? table(header, rows) : ''].filter((part) => part !== '').join('\n\n');
}

/**
 * The report's summary as Markdown, for pull requests and terminals: the same tables as the HTML page, without
 * charts, and at most {@link markdownItemLimit} items.
 */
export function renderReportMarkdown(report: EvalReport): string {
  return [headerSection(report), summarySection(report), costSection(report), latencySection(report), lossSection(report), itemsSection(report)].join('\n\n') + '\n';
}
