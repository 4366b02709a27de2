// The per-item table of the HTML report: prompt, reference, both outputs side by side with their scores.
import type { EvalItemRow, EvalReport } from './eval-report.js';
import { escapeHtml } from './html-escape.js';
import { formatMilliseconds, formatScore } from './report-format.js';
import { itemOutcome, primaryMetric } from './report-view.js';

function textCell(text: string): string {
  return `<td><div class="text">${escapeHtml(text)}</div></td>`;
}

function scoreList(side: EvalItemRow['candidate']): string {
  const scores = Object.entries(side.scores).map(([metric, score]) => `<li>${escapeHtml(metric)} <b>${formatScore(score)}</b></li>`);
  return `<ul class="scores">${scores.join('')}<li>${formatMilliseconds(side.latencyMs)}</li></ul>`;
}

function outputCell(side: EvalItemRow['candidate']): string {
  return `<td><div class="text">${escapeHtml(side.output)}</div>${scoreList(side)}</td>`;
}

/** candidate − baseline on one metric, or null when either side lacks the score. */
function scoreDifference(item: EvalItemRow, metric: string): number | null {
  const candidate = item.candidate.scores[metric];
  const baseline = item.baseline.scores[metric];
  return candidate === undefined || baseline === undefined ? null : candidate - baseline;
}

function sortHeader(label: string, key: string, type: 'number' | 'text', className = ''): string {
  const classAttribute = className ? ` class="${className}"` : '';
  return `<th scope="col"${classAttribute}><button type="button" data-sort-key="${escapeHtml(key)}" data-sort-type="${type}">${escapeHtml(label)}</button></th>`;
}

/** The item table with its filter box, outcome filter and sortable headers (sorting needs the page's script). */
export function renderItemTable(report: EvalReport): string {
  const metrics = report.metrics.map((comparison) => comparison.metric);
  const leading = primaryMetric(report);
  const header = [
    sortHeader('#', 'index', 'number', 'number'),
    sortHeader('Item', 'id', 'text'),
    '<th scope="col">Prompt</th>',
    '<th scope="col">Reference</th>',
    '<th scope="col">Candidate output</th>',
    '<th scope="col">Baseline output</th>',
    ...metrics.map((metric, index) => sortHeader(`Δ ${metric}`, `m${index}`, 'number', 'number')),
  ];
  const rows = report.items.map((item, itemIndex) => {
    const differences = metrics.map((metric) => scoreDifference(item, metric));
    const sortAttributes = differences.map((difference, index) => (difference === null ? '' : ` data-sort-m${index}="${difference}"`)).join('');
    const differenceCells = differences.map((difference) => `<td class="number">${difference === null ? '<span class="muted">—</span>' : formatScore(difference)}</td>`);
    return [
      `<tr data-item-id="${escapeHtml(item.id)}" data-outcome="${itemOutcome(item, leading)}" data-sort-index="${itemIndex + 1}" data-sort-id="${escapeHtml(item.id)}"${sortAttributes}>`,
      `<td class="number">${itemIndex + 1}</td>`,
      `<td>${escapeHtml(item.id)}</td>`,
      textCell(item.prompt),
      textCell(item.reference),
      outputCell(item.candidate),
      outputCell(item.baseline),
      ...differenceCells,
      '</tr>',
    ].join('');
  });
  const outcomeLabel = leading ? ` on ${escapeHtml(leading)}` : '';
  return [
    '<div class="item-controls">',
    '<label>Filter items <input id="item-filter" type="search" placeholder="text in prompt, reference or outputs"></label>',
    `<label>Show <select id="item-outcome"><option value="all">all items</option><option value="candidate">candidate scored higher${outcomeLabel}</option><option value="baseline">baseline scored higher${outcomeLabel}</option><option value="tie">tied${outcomeLabel}</option></select></label>`,
    `<span id="item-count" class="muted" aria-live="polite">${report.items.length} items</span>`,
    '</div>',
    '<table id="items">',
    `<caption class="muted">Δ is candidate − baseline on each metric; rows are marked by the side that scored higher${outcomeLabel}.</caption>`,
    `<colgroup><col class="index-column"><col class="id-column">${'<col>'.repeat(4)}${'<col class="metric-column">'.repeat(metrics.length)}</colgroup>`,
    `<thead><tr>${header.join('')}</tr></thead>`,
    `<tbody>${rows.join('\n')}</tbody>`,
    '</table>',
  ].join('\n');
}
