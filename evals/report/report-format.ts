// How numbers, money, intervals and verdicts read in the report, shared by the HTML page, the Markdown and the charts.
import type { EvalReport } from './eval-report.js';

/** A mean with its confidence interval, as the report stores it. */
export interface Estimate {
  mean: number;
  ci: readonly [number, number];
}

/** A verdict of the report. */
export type ReportVerdict = EvalReport['verdict'];

const verdictLabels: Record<ReportVerdict, string> = {
  WIN: 'Win',
  NON_INFERIOR: 'Non-inferior',
  LOSE: 'Lose',
  INCONCLUSIVE: 'Inconclusive',
};

/** A verdict for people: `NON_INFERIOR` reads "Non-inferior". */
export function verdictLabel(verdict: ReportVerdict): string {
  return verdictLabels[verdict];
}

/** A quality score or difference with three decimals; `-0.000` reads `0.000`. */
export function formatScore(value: number): string {
  const text = value.toFixed(3);
  return /^-0\.0+$/.test(text) ? text.slice(1) : text;
}

/** `0.812 [0.741, 0.876]`. */
export function formatEstimate(estimate: Estimate): string {
  return `${formatScore(estimate.mean)} ${formatInterval(estimate.ci)}`;
}

/** `[0.741, 0.876]`. */
export function formatInterval(interval: readonly [number, number]): string {
  return `[${formatScore(interval[0])}, ${formatScore(interval[1])}]`;
}

/** A positive number with three significant digits, in plain decimals (never `1e-7`). */
function significant(value: number, digits = 3): string {
  if (value === 0) return '0';
  const magnitude = Math.floor(Math.log10(Math.abs(value)));
  if (magnitude >= digits - 1) return Math.round(value).toLocaleString('en-US');
  const decimals = Math.min(15, digits - 1 - magnitude);
  return value.toFixed(decimals).replace(/\.?0+$/, '');
}

/** Dollars: `$1,234.50`, `$0.00042`; `unknown` for a null cost, so that an unknown cost never reads as free. */
export function formatUsd(value: number | null): string {
  if (value === null) return 'unknown';
  const sign = value < 0 ? '-' : '';
  const amount = Math.abs(value);
  if (amount >= 1 || amount === 0) {
    return `${sign}$${amount.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
  }
  // Cents keep two decimals ($0.50); smaller amounts keep three significant digits ($0.00042).
  const text = significant(amount);
  return `${sign}$${/\.\d$/.test(text) ? `${text}0` : text}`;
}

/** The candidate's cost as a multiple of the baseline's: `0.042×`, or `unknown`. */
export function formatRatio(value: number | null): string {
  return value === null ? 'unknown' : `${significant(value)}×`;
}

/** A p-value: three decimals, or `< 0.001`. */
export function formatPValue(value: number): string {
  return value < 0.001 ? '< 0.001' : value.toFixed(3);
}

/** Milliseconds, rounded: `1,204 ms`. */
export function formatMilliseconds(value: number): string {
  return `${Math.round(value).toLocaleString('en-US')} ms`;
}

/** A count with thousands separators. */
export function formatCount(value: number): string {
  return value.toLocaleString('en-US');
}

/** Seconds of compute, or `unknown`. */
export function formatSeconds(value: number | null): string {
  return value === null ? 'unknown' : `${significant(value)} s`;
}

/** An ISO timestamp as `2026-12-05 14:03 UTC`; text that is not a date is shown as it is. */
export function formatTimestamp(timestamp: string): string {
  const date = new Date(timestamp);
  if (Number.isNaN(date.getTime())) return timestamp;
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}
