// The pieces the charts are drawn from: the accessible <svg> frame, axes, legend, markers and error bars.
import type { AxisScale } from './chart-scales.js';
import { escapeHtml } from './html-escape.js';

/** A rectangle of the drawing, in SVG user units. */
export interface PlotArea {
  left: number;
  right: number;
  top: number;
  bottom: number;
}

/** How a point or a series is drawn. */
export type MarkerShape = 'circle' | 'square';

/** One legend row: a marker, a line, or both, and its text. */
export interface LegendEntry {
  label: string;
  colour: string;
  marker?: MarkerShape;
  hollow?: boolean;
  line?: 'solid' | 'dashed';
}

/** The colours of the two sides everywhere in the report; shapes differ too, so colour is never the only cue. */
export const sideColours = { candidate: '#1d4ed8', baseline: '#c2410c' } as const;

/** A coordinate rounded to a tenth of a unit, to keep the markup short. */
export function px(value: number): string {
  return String(Math.round(value * 10) / 10);
}

/** Text longer than `limit` characters cut with an ellipsis. */
export function truncate(text: string, limit: number): string {
  return text.length <= limit ? text : `${text.slice(0, limit - 1)}…`;
}

/** An accessible chart: `role="img"`, labelled by its `<title>` and described by its `<desc>`. */
export function svgFrame(options: { id: string; width: number; height: number; title: string; description: string; body: string }): string {
  const { id, width, height, title, description, body } = options;
  return [
    `<svg id="${escapeHtml(id)}" class="chart" role="img" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}"`,
    ` aria-labelledby="${escapeHtml(id)}-title ${escapeHtml(id)}-desc" font-family="system-ui, sans-serif" font-size="12">`,
    `<title id="${escapeHtml(id)}-title">${escapeHtml(title)}</title>`,
    `<desc id="${escapeHtml(id)}-desc">${escapeHtml(description)}</desc>`,
    body,
    '</svg>',
  ].join('');
}

/** A text element; `content` is escaped. */
export function svgText(x: number, y: number, content: string, attributes = ''): string {
  return `<text x="${px(x)}" y="${px(y)}"${attributes ? ` ${attributes}` : ''}>${escapeHtml(content)}</text>`;
}

/** The bottom axis: line, ticks with labels, light grid lines, and the axis title centred below. */
export function bottomAxis(scale: AxisScale, area: PlotArea, label: string, options: { left?: number; right?: number } = {}): string {
  const left = options.left ?? area.left;
  const right = options.right ?? area.right;
  const parts = [`<line class="axis" x1="${px(left)}" y1="${px(area.bottom)}" x2="${px(right)}" y2="${px(area.bottom)}" stroke="#374151"/>`];
  for (const tick of scale.ticks) {
    const x = scale.toPixel(tick);
    parts.push(
      `<line class="grid" x1="${px(x)}" y1="${px(area.top)}" x2="${px(x)}" y2="${px(area.bottom)}" stroke="#e5e7eb"/>`,
      `<line x1="${px(x)}" y1="${px(area.bottom)}" x2="${px(x)}" y2="${px(area.bottom + 5)}" stroke="#374151"/>`,
      svgText(x, area.bottom + 18, scale.formatTick(tick), 'text-anchor="middle" fill="#374151"'),
    );
  }
  parts.push(svgText((left + right) / 2, area.bottom + 40, label, 'class="axis-label" text-anchor="middle" fill="#111827"'));
  return `<g class="x-axis">${parts.join('')}</g>`;
}

/** The left axis: line, ticks with labels, light grid lines, and the axis title turned upright along it. */
export function leftAxis(scale: AxisScale, area: PlotArea, label: string): string {
  const parts = [`<line class="axis" x1="${px(area.left)}" y1="${px(area.top)}" x2="${px(area.left)}" y2="${px(area.bottom)}" stroke="#374151"/>`];
  for (const tick of scale.ticks) {
    const y = scale.toPixel(tick);
    parts.push(
      `<line class="grid" x1="${px(area.left)}" y1="${px(y)}" x2="${px(area.right)}" y2="${px(y)}" stroke="#e5e7eb"/>`,
      `<line x1="${px(area.left - 5)}" y1="${px(y)}" x2="${px(area.left)}" y2="${px(y)}" stroke="#374151"/>`,
      svgText(area.left - 8, y + 4, scale.formatTick(tick), 'text-anchor="end" fill="#374151"'),
    );
  }
  const middle = (area.top + area.bottom) / 2;
  parts.push(svgText(16, middle, label, `class="axis-label" text-anchor="middle" fill="#111827" transform="rotate(-90 16 ${px(middle)})"`));
  return `<g class="y-axis">${parts.join('')}</g>`;
}

/** A point marker: a circle or a square, filled, or hollow with a white fill. */
export function marker(shape: MarkerShape, x: number, y: number, colour: string, hollow = false): string {
  const fill = hollow ? '#ffffff' : colour;
  const paint = `fill="${fill}" stroke="${colour}" stroke-width="2"`;
  if (shape === 'circle') return `<circle cx="${px(x)}" cy="${px(y)}" r="5" ${paint}/>`;
  return `<rect x="${px(x - 5)}" y="${px(y - 5)}" width="10" height="10" ${paint}/>`;
}

/** A vertical error bar from `lowY` to `highY` (pixels) with caps. */
export function errorBar(x: number, lowY: number, highY: number, colour: string): string {
  return [
    `<g class="error-bar" stroke="${colour}" stroke-width="1.5">`,
    `<line x1="${px(x)}" y1="${px(lowY)}" x2="${px(x)}" y2="${px(highY)}"/>`,
    `<line x1="${px(x - 5)}" y1="${px(lowY)}" x2="${px(x + 5)}" y2="${px(lowY)}"/>`,
    `<line x1="${px(x - 5)}" y1="${px(highY)}" x2="${px(x + 5)}" y2="${px(highY)}"/>`,
    '</g>',
  ].join('');
}

/** Height a legend of `count` rows takes. */
export function legendHeight(count: number): number {
  return count * 18;
}

/** A legend, one entry per row, starting at (`x`, `y`). */
export function legend(entries: readonly LegendEntry[], x: number, y: number): string {
  const rows = entries.map((entry, index) => {
    const rowY = y + index * 18;
    const parts: string[] = [];
    if (entry.line) {
      const dash = entry.line === 'dashed' ? ' stroke-dasharray="6 4"' : '';
      parts.push(`<line x1="${px(x)}" y1="${px(rowY)}" x2="${px(x + 24)}" y2="${px(rowY)}" stroke="${entry.colour}" stroke-width="2"${dash}/>`);
    }
    if (entry.marker) parts.push(marker(entry.marker, x + 12, rowY, entry.colour, entry.hollow));
    parts.push(svgText(x + 32, rowY + 4, entry.label, 'fill="#111827"'));
    return parts.join('');
  });
  return `<g class="legend">${rows.join('')}</g>`;
}

/** A `<title>` child, which browsers show as a tooltip and screen readers read as the element's name. */
export function svgTitle(text: string): string {
  return `<title>${escapeHtml(text)}</title>`;
}
