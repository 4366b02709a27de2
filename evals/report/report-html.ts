// The eval report as one self-contained HTML page: inline CSS, inline SVG charts, a small inline script, no fetches.
import type { EvalReport, EvalSide } from './eval-report.js';
import { escapeHtml } from './html-escape.js';
import { renderItemTable } from './report-item-table.js';
import { itemTableScript, reportStyles } from './report-page-assets.js';
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
import { metricRows, primaryMetric } from './report-view.js';
import { costQualityChart, lossChart, metricBarsChart } from './svg-charts.js';

type SideName = 'candidate' | 'baseline';
const sides: readonly SideName[] = ['candidate', 'baseline'];
const sideTitles: Record<SideName, string> = { candidate: 'Candidate', baseline: 'Baseline' };

/** A dollar amount, with a null cost shown as a marked "unknown" rather than as $0. */
function usdCell(value: number | null): string {
  return `<td class="number">${value === null ? '<span class="unknown">unknown</span>' : formatUsd(value)}</td>`;
}

function estimateCell(estimate: Estimate | null): string {
  return `<td class="number">${estimate ? escapeHtml(formatEstimate(estimate)) : '<span class="muted">—</span>'}</td>`;
}

function fact(term: string, description: string): string {
  return `<dt>${escapeHtml(term)}</dt><dd>${description}</dd>`;
}

function sideFact(side: EvalSide): string {
  return `${escapeHtml(side.model)} <span class="muted">— ${escapeHtml(side.description)}</span>`;
}

function renderHeader(report: EvalReport): string {
  const gate = report.gate.passed ? 'passed' : 'failed';
  const reasons = report.gate.reasons.length > 0 ? `<ul class="gate-reasons">${report.gate.reasons.map((reason) => `<li>${escapeHtml(reason)}</li>`).join('')}</ul>` : '';
  return [
    '<header>',
    `<h1>Eval report: ${escapeHtml(report.adapter)}</h1>`,
    `<p class="subtitle">Candidate adapter against <strong>${escapeHtml(report.baselineSpec)}</strong> on ${escapeHtml(report.dataset)}, ${formatCount(report.n)} items</p>`,
    '<div class="badges">',
    `<span class="badge verdict verdict-${report.verdict}" data-verdict="${report.verdict}">Verdict: ${verdictLabel(report.verdict)}</span>`,
    `<span class="badge gate gate-${gate}" data-gate="${gate}">Gate: ${gate}</span>`,
    '</div>',
    reasons,
    '<dl class="facts">',
    fact('Adapter', escapeHtml(report.adapter)),
    fact('Dataset', escapeHtml(report.dataset)),
    fact('Baseline', escapeHtml(report.baselineSpec)),
    fact('Candidate model', sideFact(report.candidate)),
    fact('Baseline model', sideFact(report.baseline)),
    fact('Items (n)', formatCount(report.n)),
    fact('Non-inferiority margin', escapeHtml(String(report.margin))),
    fact('Price catalog', escapeHtml(report.priceCatalogVersion)),
    fact('Created', `<time datetime="${escapeHtml(report.createdAt)}">${escapeHtml(formatTimestamp(report.createdAt))}</time>`),
    fact('Report', escapeHtml(report.id)),
    '</dl>',
    '</header>',
  ].join('\n');
}

function renderCharts(report: EvalReport): string {
  const metric = primaryMetric(report);
  const points = sides.map((side) => ({
    side,
    model: report[side].model,
    costPer1kRequests: report[side].cost.usdPer1kRequests,
    quality: metric === null ? null : (report[side].quality[metric] ?? null),
  }));
  const groups = metricRows(report).map(({ metric: name, candidate, baseline }) => ({ metric: name, candidate, baseline }));
  const models = { candidate: report.candidate.model, baseline: report.baseline.model };
  const unknownNote = points.some((point) => point.costPer1kRequests === null) ? ' A side whose cost is unknown is drawn hollow in the "unknown" band, not at $0.' : '';
  return [
    '<section class="charts" aria-label="Charts">',
    `<figure>${costQualityChart(metric, points)}<figcaption>Quality on ${escapeHtml(metric ?? 'no metric')} (the first weighted metric) against cost per 1,000 requests; whiskers are confidence intervals.${unknownNote}</figcaption></figure>`,
    `<figure>${metricBarsChart(groups, models)}<figcaption>Mean per metric; whiskers are confidence intervals.</figcaption></figure>`,
    '</section>',
  ].join('\n');
}

function renderSummaryTable(report: EvalReport): string {
  const rows = metricRows(report).map(({ metric, candidate, baseline, difference, comparison }) => {
    const mcnemar = comparison?.mcnemar;
    const mcnemarCell = mcnemar
      ? `<td class="number" title="${escapeHtml(`${mcnemar.method}: b=${mcnemar.b}, c=${mcnemar.c}, statistic ${formatScore(mcnemar.statistic)}`)}">${formatPValue(mcnemar.pValue)}</td>`
      : '<td class="number"><span class="muted">—</span></td>';
    const verdict = comparison ? `<span class="verdict-text" data-verdict="${comparison.verdict}">${verdictLabel(comparison.verdict)}</span>` : '<span class="muted">—</span>';
    const itemsToDecide = comparison?.itemsToDecide;
    return [
      '<tr>',
      `<th scope="row">${escapeHtml(metric)}</th>`,
      `<td class="number">${comparison ? escapeHtml(String(comparison.weight)) : '—'}</td>`,
      estimateCell(candidate),
      estimateCell(baseline),
      estimateCell(difference),
      `<td>${verdict}</td>`,
      mcnemarCell,
      `<td class="number">${itemsToDecide === null || itemsToDecide === undefined ? '<span class="muted">—</span>' : formatCount(itemsToDecide)}</td>`,
      '</tr>',
    ].join('');
  });
  const explanations = report.metrics.map((comparison) => `<li><strong>${escapeHtml(comparison.metric)}</strong>: ${escapeHtml(comparison.explanation)}</li>`);
  return [
    '<table id="summary">',
    '<thead><tr><th scope="col">Metric</th><th scope="col" class="number">Weight</th><th scope="col" class="number">Candidate mean [CI]</th><th scope="col" class="number">Baseline mean [CI]</th><th scope="col" class="number">Difference [CI]</th><th scope="col">Verdict</th><th scope="col" class="number">McNemar p</th><th scope="col" class="number">Items to decide</th></tr></thead>',
    `<tbody>${rows.join('\n')}</tbody>`,
    '</table>',
    explanations.length > 0 ? `<ul class="explanations">${explanations.join('')}</ul>` : '',
  ].join('\n');
}

function renderCostTable(report: EvalReport): string {
  const rows = sides.map((side) => {
    const { cost, computeSeconds, model } = report[side];
    return `<tr><th scope="row">${sideTitles[side]}</th><td>${escapeHtml(model)}</td>${usdCell(cost.usdPer1MTokens)}${usdCell(cost.usdPer1kRequests)}${usdCell(cost.totalUsd)}<td class="number">${computeSeconds === null ? '<span class="muted">—</span>' : formatSeconds(computeSeconds)}</td><td>${escapeHtml(cost.basis)}</td></tr>`;
  });
  const ratio = report.costRatio === null ? '<span class="unknown">unknown</span> (a cost is unknown)' : escapeHtml(formatRatio(report.costRatio));
  return [
    '<table id="cost">',
    '<thead><tr><th scope="col">Side</th><th scope="col">Model</th><th scope="col" class="number">USD per 1M tokens</th><th scope="col" class="number">USD per 1k requests</th><th scope="col" class="number">Total USD</th><th scope="col" class="number">Compute</th><th scope="col">Basis</th></tr></thead>',
    `<tbody>${rows.join('\n')}</tbody>`,
    '</table>',
    `<p>Cost ratio (candidate ÷ baseline, per request): <strong id="cost-ratio">${ratio}</strong></p>`,
  ].join('\n');
}

function renderLatencyTable(report: EvalReport): string {
  const rows = sides.map((side) => {
    const { latencyMs, usage } = report[side];
    const cells = [formatMilliseconds(latencyMs.p50), formatMilliseconds(latencyMs.p95), formatCount(usage.promptTokens), formatCount(usage.completionTokens), formatCount(usage.cachedPromptTokens)];
    return `<tr><th scope="row">${sideTitles[side]}</th>${cells.map((cell) => `<td class="number">${cell}</td>`).join('')}</tr>`;
  });
  return [
    '<table id="latency">',
    '<thead><tr><th scope="col">Side</th><th scope="col" class="number">Latency p50</th><th scope="col" class="number">Latency p95</th><th scope="col" class="number">Prompt tokens</th><th scope="col" class="number">Completion tokens</th><th scope="col" class="number">Cached prompt tokens</th></tr></thead>',
    `<tbody>${rows.join('\n')}</tbody>`,
    '</table>',
  ].join('\n');
}

function renderJudge(report: EvalReport): string {
  const judge = report.judge;
  if (judge === undefined) return '';
  const pairwise = judge.pairwise;
  const rows: [string, string][] = [
    ['Judge model', escapeHtml(judge.model)],
    ['Settings', escapeHtml(`mode ${judge.mode}, temperature ${judge.temperature}, seed ${judge.seed}`)],
    ['Calls', formatCount(judge.calls)],
    ['Unreadable replies', `${formatCount(judge.unparsable)}${judge.unparsable > 0 ? ` (items ${escapeHtml(judge.unparsableItems.slice(0, 10).join(', '))}; left unscored, never scored 0)` : ''}`],
    ['Pairwise inconsistency', judge.inconsistencyRate === null ? '<span class="muted">—</span>' : escapeHtml(`${(judge.inconsistencyRate * 100).toFixed(1)}% of items changed preference when the answers swapped places`)],
    ['Pairwise outcome', pairwise === null ? '<span class="muted">—</span>' : escapeHtml(`${pairwise.wins} wins, ${pairwise.ties} ties, ${pairwise.losses} losses${pairwise.winRate === null ? '' : `; win rate ${pairwise.winRate.mean.toFixed(3)} [${pairwise.winRate.ci[0].toFixed(3)}, ${pairwise.winRate.ci[1].toFixed(3)}]`}`)],
    ['Judging cost', judge.cost.totalUsd === null ? `<span class="unknown">unknown</span> (${escapeHtml(judge.cost.basis)})` : escapeHtml(`$${judge.cost.totalUsd.toPrecision(3)} — ${judge.cost.basis}`)],
  ];
  return ['<h2 id="judge-heading">LLM judge</h2>', '<table id="judge"><tbody>', ...rows.map(([term, value]) => `<tr><th scope="row">${term}</th><td>${value}</td></tr>`), '</tbody></table>'].join('\n');
}

function renderLoss(report: EvalReport): string {
  if (report.trainingLoss === null) return '<p class="muted">No training loss was recorded for this adapter.</p>';
  return `<figure>${lossChart(report.trainingLoss)}<figcaption>Training and validation loss by step.</figcaption></figure>`;
}

/**
 * The report as a self-contained HTML page: verdict and gate, charts, summary, cost, latency, training loss and
 * every item. All report text is escaped, since outputs are untrusted model text; nothing is loaded from outside.
 *
 * @example
 * await writeFile('report.html', renderReportHtml(evalReport.parse(JSON.parse(json))));
 */
export function renderReportHtml(report: EvalReport): string {
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>Eval report: ${escapeHtml(report.adapter)} vs ${escapeHtml(report.baselineSpec)} — ${verdictLabel(report.verdict)}</title>`,
    `<style>${reportStyles}</style>`,
    '</head>',
    '<body>',
    renderHeader(report),
    '<main>',
    '<h2 id="charts-heading">Cost and quality</h2>',
    renderCharts(report),
    '<h2 id="summary-heading">Summary</h2>',
    renderSummaryTable(report),
    '<h2 id="cost-heading">Cost</h2>',
    renderCostTable(report),
    '<h2 id="latency-heading">Latency and usage</h2>',
    renderLatencyTable(report),
    renderJudge(report),
    '<h2 id="loss-heading">Training loss</h2>',
    renderLoss(report),
    `<h2 id="items-heading">Items (${formatCount(report.items.length)})</h2>`,
    renderItemTable(report),
    '</main>',
    `<script>${itemTableScript}</script>`,
    '</body>',
    '</html>',
    '',
  ].join('\n');
}
