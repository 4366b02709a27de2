// The report's three charts as inline SVG: cost versus quality, quality per metric, and the training loss curve.
import { escapeHtml } from './html-escape.js';
import { linearScale, logScale, type AxisScale } from './chart-scales.js';
import { formatEstimate, formatScore, formatUsd, type Estimate } from './report-format.js';
import {
  bottomAxis,
  errorBar,
  leftAxis,
  legend,
  legendHeight,
  marker,
  px,
  sideColours,
  svgFrame,
  svgText,
  svgTitle,
  truncate,
  type LegendEntry,
  type MarkerShape,
  type PlotArea,
} from './svg-elements.js';

/** The side of the comparison a point or bar belongs to. */
export type ChartSide = 'candidate' | 'baseline';

/** One side in the cost-versus-quality chart; a null cost is drawn in a separate "unknown" band, never at 0. */
export interface CostQualityPoint {
  side: ChartSide;
  model: string;
  costPer1kRequests: number | null;
  quality: Estimate | null;
}

/** One metric in the per-metric chart; a side is null when the report has no estimate for it. */
export interface MetricBarGroup {
  metric: string;
  candidate: Estimate | null;
  baseline: Estimate | null;
}

/** Training and validation loss as `[step, loss]` pairs. */
export interface LossCurve {
  trainLoss: readonly (readonly [number, number])[];
  validationLoss: readonly (readonly [number, number])[];
}

const sideNames: Record<ChartSide, string> = { candidate: 'Candidate', baseline: 'Baseline' };
const sideShapes: Record<ChartSide, MarkerShape> = { candidate: 'circle', baseline: 'square' };
const unknownBandWidth = 110;

function sideLegend(sides: readonly { side: ChartSide; model: string }[]): LegendEntry[] {
  return sides.map(({ side, model }) => ({ label: `${sideNames[side]}: ${truncate(model, 60)}`, colour: sideColours[side], marker: sideShapes[side] }));
}

function qualityScale(estimates: readonly Estimate[], area: PlotArea, includeZero: boolean): AxisScale {
  const values = estimates.flatMap((estimate) => [estimate.mean, ...estimate.ci]).filter(Number.isFinite);
  if (includeZero) values.push(0);
  const low = Math.min(...values, Infinity);
  const high = Math.max(...values, -Infinity);
  // Headroom beyond the extreme whiskers for value labels; a bound already at 0 stays there so bars start on the axis.
  // Scores that all lie in [0, 1] keep the axis within it.
  const pad = (high - low) * 0.06;
  const unit = low >= 0 && high <= 1;
  const paddedLow = low === 0 ? 0 : unit ? Math.max(0, low - pad) : low - pad;
  const paddedHigh = high === 0 ? 0 : unit ? Math.min(1, high + pad) : high + pad;
  return linearScale(paddedLow, paddedHigh, area.bottom, area.top, 5);
}

/**
 * The cost axis: logarithmic when every side's cost is known and above 0 (costs of two models differ by orders of
 * magnitude), otherwise linear from $0; null when no cost is known.
 */
function costScale(costs: readonly (number | null)[], left: number, right: number): { scale: AxisScale; log: boolean } | null {
  const known = costs.filter((cost): cost is number => cost !== null);
  if (known.length === 0) return null;
  const low = Math.min(...known);
  const high = Math.max(...known);
  // Inset so that a point on a rounded-out edge still has room for its label.
  if (known.length === costs.length && low > 0) return { scale: logScale(low, high, left + 20, right - 20, formatUsd), log: true };
  const scale = linearScale(Math.min(0, low), high, left + 20, right - 20, 4);
  return { scale: { ...scale, formatTick: formatUsd }, log: false };
}

function describeCostQuality(metric: string, points: readonly CostQualityPoint[]): string {
  const sentences = points.map((point) => {
    const quality = point.quality ? formatEstimate(point.quality) : 'no estimate';
    return `${sideNames[point.side]} ${point.model}: ${metric} ${quality}, cost per 1,000 requests ${formatUsd(point.costPer1kRequests)}.`;
  });
  return [`Quality on ${metric} (mean with confidence interval) against cost per 1,000 requests.`, ...sentences].join(' ');
}

/**
 * Cost per 1,000 requests (log scale when both costs are known and above 0) against the quality of one metric, with
 * error bars, one labelled point per side. A side with an unknown cost sits, hollow, in a band marked "unknown".
 */
export function costQualityChart(metric: string | null, points: readonly CostQualityPoint[]): string {
  const id = 'chart-cost-quality';
  const title = `Cost versus quality${metric ? `: ${metric}` : ''}`;
  const entries = sideLegend(points);
  const unknownCost = points.some((point) => point.costPer1kRequests === null);
  if (unknownCost) entries.push({ label: 'Hollow marker: cost unknown', colour: '#6b7280', marker: 'circle', hollow: true });
  const width = 640;
  const area: PlotArea = { left: 72, right: 616, top: 24 + legendHeight(entries.length), bottom: 0 };
  area.bottom = area.top + 260;
  const height = area.bottom + 60;
  const plotted = points.filter((point): point is CostQualityPoint & { quality: Estimate } => point.quality !== null);
  if (metric === null || plotted.length === 0) {
    const body = legend(entries, area.left, 20) + svgText(width / 2, (area.top + area.bottom) / 2, 'No quality estimate to plot', 'text-anchor="middle" fill="#6b7280"');
    return svgFrame({ id, width, height, title, description: 'The report has no quality estimate to plot against cost.', body });
  }
  const knownRight = unknownCost ? area.right - unknownBandWidth - 12 : area.right;
  const known = costScale(points.map((point) => point.costPer1kRequests), area.left, knownRight);
  const yScale = qualityScale(plotted.map((point) => point.quality), area, false);
  const parts = [legend(entries, area.left, 20), leftAxis(yScale, area, `${truncate(metric, 40)} (mean, CI)`)];
  const xLabel = `Cost per 1,000 requests, USD${known?.log ? ' (log scale)' : ''}`;
  if (known) parts.push(bottomAxis(known.scale, area, xLabel, { right: knownRight }));
  else parts.push(svgText((area.left + knownRight) / 2, area.bottom + 40, xLabel, 'class="axis-label" text-anchor="middle" fill="#111827"'));
  if (unknownCost) {
    const bandLeft = area.right - unknownBandWidth;
    parts.push(
      `<g class="unknown-cost"><rect x="${px(bandLeft)}" y="${px(area.top)}" width="${unknownBandWidth}" height="${px(area.bottom - area.top)}" fill="#f3f4f6" stroke="#9ca3af" stroke-dasharray="4 3"/>`,
      svgText(bandLeft + unknownBandWidth / 2, area.bottom + 18, 'unknown', 'text-anchor="middle" font-weight="bold" fill="#374151"'),
      '</g>',
    );
  }
  const unknownPoints = plotted.filter((point) => point.costPer1kRequests === null);
  for (const point of plotted) {
    const colour = sideColours[point.side];
    const unknownIndex = unknownPoints.indexOf(point);
    const bandCentre = area.right - unknownBandWidth / 2;
    const x =
      point.costPer1kRequests === null || !known
        ? bandCentre + (unknownPoints.length > 1 ? (unknownIndex === 0 ? -22 : 22) : 0)
        : known.scale.toPixel(point.costPer1kRequests);
    const y = yScale.toPixel(point.quality.mean);
    const nearRight = x > area.right - 150;
    const labelX = nearRight ? x - 12 : x + 12;
    const labelY = point.side === 'candidate' ? y - 10 : y + 18;
    const anchor = nearRight ? 'end' : 'start';
    const costText = point.costPer1kRequests === null ? 'cost unknown' : `${formatUsd(point.costPer1kRequests)} / 1k`;
    parts.push(
      `<g class="point" data-side="${point.side}">`,
      svgTitle(`${sideNames[point.side]} (${point.model}): ${metric} ${formatEstimate(point.quality)}, ${costText}`),
      errorBar(x, yScale.toPixel(point.quality.ci[0]), yScale.toPixel(point.quality.ci[1]), colour),
      marker(sideShapes[point.side], x, y, colour, point.costPer1kRequests === null),
      svgText(labelX, labelY, `${sideNames[point.side]} · ${costText}`, `text-anchor="${anchor}" fill="${colour}" font-weight="bold"`),
      '</g>',
    );
  }
  return svgFrame({ id, width, height, title, description: describeCostQuality(metric, points), body: parts.join('') });
}

function describeMetricBars(groups: readonly MetricBarGroup[]): string {
  const sentences = groups.map((group) => {
    const candidate = group.candidate ? formatEstimate(group.candidate) : 'no estimate';
    const baseline = group.baseline ? formatEstimate(group.baseline) : 'no estimate';
    return `${group.metric}: candidate ${candidate}, baseline ${baseline}.`;
  });
  return ['Mean score per metric for the candidate and the baseline, with confidence intervals.', ...sentences].join(' ');
}

/** Candidate and baseline means side by side for every metric, each bar with its confidence-interval whisker. */
export function metricBarsChart(groups: readonly MetricBarGroup[], models: Record<ChartSide, string>): string {
  const id = 'chart-metrics';
  const entries = sideLegend([
    { side: 'candidate', model: models.candidate },
    { side: 'baseline', model: models.baseline },
  ]);
  const groupWidth = 150;
  const width = Math.max(480, 72 + 24 + groups.length * groupWidth);
  const area: PlotArea = { left: 72, right: width - 24, top: 24 + legendHeight(entries.length), bottom: 0 };
  area.bottom = area.top + 240;
  const height = area.bottom + 50;
  const title = 'Quality per metric: candidate and baseline';
  const estimates = groups.flatMap((group) => [group.candidate, group.baseline].filter((estimate): estimate is Estimate => estimate !== null));
  if (estimates.length === 0) {
    const body = legend(entries, area.left, 20) + svgText(width / 2, (area.top + area.bottom) / 2, 'No metric estimates to plot', 'text-anchor="middle" fill="#6b7280"');
    return svgFrame({ id, width, height, title, description: 'The report has no metric estimates.', body });
  }
  const yScale = qualityScale(estimates, area, true);
  const zeroY = yScale.toPixel(Math.max(yScale.domain[0], Math.min(0, yScale.domain[1])));
  const parts = [legend(entries, area.left, 20), leftAxis(yScale, area, 'Mean score (CI)')];
  const slot = (area.right - area.left) / Math.max(1, groups.length);
  groups.forEach((group, index) => {
    const centre = area.left + slot * (index + 0.5);
    parts.push(`<g class="metric" data-metric="${escapeHtml(group.metric)}">`, svgTitle(group.metric));
    for (const [offset, side] of [[-22, 'candidate'], [22, 'baseline']] as const) {
      const estimate = group[side];
      if (!estimate) continue;
      const x = centre + offset;
      const y = yScale.toPixel(estimate.mean);
      const colour = sideColours[side];
      const fill = side === 'candidate' ? colour : '#ffffff';
      parts.push(
        `<g class="bar" data-side="${side}">`,
        svgTitle(`${sideNames[side]} ${group.metric}: ${formatEstimate(estimate)}`),
        `<rect x="${px(x - 18)}" y="${px(Math.min(y, zeroY))}" width="36" height="${px(Math.abs(zeroY - y))}" fill="${fill}" fill-opacity="${side === 'candidate' ? 0.85 : 1}" stroke="${colour}" stroke-width="2"${side === 'baseline' ? ' stroke-dasharray="4 2"' : ''}/>`,
        errorBar(x, yScale.toPixel(estimate.ci[0]), yScale.toPixel(estimate.ci[1]), '#111827'),
        // The value sits beyond the whisker on the side the bar grows towards, so it never overlaps the bar.
        estimate.mean >= 0
          ? svgText(x, yScale.toPixel(estimate.ci[1]) - 6, formatScore(estimate.mean), 'text-anchor="middle" font-size="11" fill="#111827"')
          : svgText(x, yScale.toPixel(estimate.ci[0]) + 14, formatScore(estimate.mean), 'text-anchor="middle" font-size="11" fill="#111827"'),
        '</g>',
      );
    }
    parts.push(svgText(centre, area.bottom + 18, truncate(group.metric, 22), 'text-anchor="middle" fill="#111827"'), '</g>');
  });
  parts.push(`<line class="axis" x1="${px(area.left)}" y1="${px(area.bottom)}" x2="${px(area.right)}" y2="${px(area.bottom)}" stroke="#374151"/>`);
  parts.push(svgText((area.left + area.right) / 2, area.bottom + 38, 'Metric', 'class="axis-label" text-anchor="middle" fill="#111827"'));
  return svgFrame({ id, width, height, title, description: describeMetricBars(groups), body: parts.join('') });
}

function finitePoints(points: readonly (readonly [number, number])[]): [number, number][] {
  return points.filter(([step, loss]) => Number.isFinite(step) && Number.isFinite(loss)).map(([step, loss]) => [step, loss] as [number, number]).sort((a, b) => a[0] - b[0]);
}

function describeSeries(name: string, points: readonly [number, number][]): string {
  const first = points[0];
  const last = points[points.length - 1];
  if (!first || !last) return `No ${name} points.`;
  return `${name} went from ${formatScore(first[1])} at step ${first[0]} to ${formatScore(last[1])} at step ${last[0]} (${points.length} points).`;
}

/** Training and validation loss against the training step, each as a line; validation points are marked too. */
export function lossChart(curve: LossCurve): string {
  const id = 'chart-loss';
  const train = finitePoints(curve.trainLoss);
  const validation = finitePoints(curve.validationLoss);
  const entries: LegendEntry[] = [];
  if (train.length > 0) entries.push({ label: 'Training loss', colour: sideColours.candidate, line: 'solid' });
  if (validation.length > 0) entries.push({ label: 'Validation loss', colour: sideColours.baseline, line: 'dashed', marker: 'circle' });
  const width = 640;
  const area: PlotArea = { left: 72, right: 616, top: 24 + legendHeight(Math.max(1, entries.length)), bottom: 0 };
  area.bottom = area.top + 240;
  const height = area.bottom + 56;
  const title = 'Training loss by step';
  const description = `${describeSeries('Training loss', train)} ${describeSeries('Validation loss', validation)}`;
  const all = [...train, ...validation];
  if (all.length === 0) {
    const body = svgText(width / 2, (area.top + area.bottom) / 2, 'No loss points recorded', 'text-anchor="middle" fill="#6b7280"');
    return svgFrame({ id, width, height, title, description, body });
  }
  const steps = all.map(([step]) => step);
  const losses = all.map(([, loss]) => loss);
  const xScale = linearScale(Math.min(...steps), Math.max(...steps), area.left, area.right, 6);
  const yScale = linearScale(Math.min(...losses), Math.max(...losses), area.bottom, area.top, 5);
  const line = (points: readonly [number, number][]): string => points.map(([step, loss]) => `${px(xScale.toPixel(step))},${px(yScale.toPixel(loss))}`).join(' ');
  const parts = [legend(entries, area.left, 20), leftAxis(yScale, area, 'Loss'), bottomAxis(xScale, area, 'Training step')];
  if (train.length > 0) {
    parts.push(`<polyline class="series" data-series="train" points="${line(train)}" fill="none" stroke="${sideColours.candidate}" stroke-width="2">${svgTitle('Training loss')}</polyline>`);
  }
  if (validation.length > 0) {
    parts.push(`<g class="series" data-series="validation">${svgTitle('Validation loss')}`);
    parts.push(`<polyline points="${line(validation)}" fill="none" stroke="${sideColours.baseline}" stroke-width="2" stroke-dasharray="6 4"/>`);
    // Markers only while they stay readable; a dense validation series is a line like the training one.
    if (validation.length <= 80) {
      for (const [step, loss] of validation) {
        parts.push(`<circle cx="${px(xScale.toPixel(step))}" cy="${px(yScale.toPixel(loss))}" r="3" fill="${sideColours.baseline}">${svgTitle(`Validation loss at step ${step}: ${formatScore(loss)}`)}</circle>`);
      }
    }
    parts.push('</g>');
  }
  return svgFrame({ id, width, height, title, description, body: parts.join('') });
}
