// Axis scales for the hand-written SVG charts: linear with round ticks, and logarithmic with decade ticks.

/** Maps data values to pixels along one axis, with the tick values to draw. */
export interface AxisScale {
  /** The data range the axis covers, after rounding out to whole ticks. */
  domain: readonly [number, number];
  ticks: readonly number[];
  /** Pixel position of a data value (may fall outside the range for values outside the domain). */
  toPixel(value: number): number;
  /** A tick value for people, with as many decimals as the tick step needs. */
  formatTick(value: number): string;
}

/** 1, 2 or 5 times a power of ten, the nearest to `roughStep` (so the tick count stays near the one asked for). */
function roundStep(roughStep: number): number {
  const power = 10 ** Math.floor(Math.log10(roughStep));
  const fraction = roughStep / power;
  const multiple = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10;
  return multiple * power;
}

function decimalsOf(step: number): number {
  return Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
}

/** A degenerate or non-finite range widened so that it has some extent to draw. */
function usableRange(low: number, high: number): [number, number] {
  const finiteLow = Number.isFinite(low) ? low : 0;
  const finiteHigh = Number.isFinite(high) ? high : finiteLow + 1;
  const [start, end] = finiteLow <= finiteHigh ? [finiteLow, finiteHigh] : [finiteHigh, finiteLow];
  if (end > start) return [start, end];
  const pad = Math.abs(start) * 0.1 || 1;
  return [start - pad, end + pad];
}

/**
 * A linear scale over `[low, high]` rounded out to about `tickCount` round ticks, drawn over `[startPixel, endPixel]`
 * (end may be smaller than start, as on a y axis).
 */
export function linearScale(low: number, high: number, startPixel: number, endPixel: number, tickCount = 5): AxisScale {
  const [start, end] = usableRange(low, high);
  const step = roundStep((end - start) / Math.max(1, tickCount));
  const decimals = decimalsOf(step);
  const first = Math.floor(start / step + 1e-9) * step;
  const last = Math.ceil(end / step - 1e-9) * step;
  const ticks: number[] = [];
  for (let index = 0; first + index * step <= last + step * 1e-9; index += 1) {
    ticks.push(Number((first + index * step).toFixed(decimals)));
  }
  const domain = [ticks[0] ?? first, ticks[ticks.length - 1] ?? last] as const;
  const width = domain[1] - domain[0];
  return {
    domain,
    ticks,
    toPixel: (value) => startPixel + ((value - domain[0]) / width) * (endPixel - startPixel),
    formatTick: (value) => {
      const text = value.toFixed(decimals);
      return /^-0(\.0+)?$/.test(text) ? text.slice(1) : text;
    },
  };
}

/**
 * A base-10 logarithmic scale over `[low, high]` (both > 0) rounded out to whole decades; with few decades it
 * also ticks at 2 and 5 times each power of ten. `formatTick` is given by the caller since log axes are usually money.
 */
export function logScale(
  low: number,
  high: number,
  startPixel: number,
  endPixel: number,
  formatTick: (value: number) => string,
): AxisScale {
  if (!(low > 0) || !(high > 0)) throw new RangeError(`log scale: the range must be above 0, got [${low}, ${high}]`);
  let firstPower = Math.floor(Math.log10(Math.min(low, high)) + 1e-9);
  let lastPower = Math.ceil(Math.log10(Math.max(low, high)) - 1e-9);
  if (lastPower === firstPower) {
    firstPower -= 1;
    lastPower += 1;
  }
  const multiples = lastPower - firstPower <= 2 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let power = firstPower; power <= lastPower; power += 1) {
    for (const multiple of multiples) {
      const value = multiple * 10 ** power;
      if (power === lastPower && multiple > 1) continue;
      ticks.push(Number(value.toPrecision(6)));
    }
  }
  return {
    domain: [10 ** firstPower, 10 ** lastPower],
    ticks,
    toPixel: (value) => startPixel + ((Math.log10(value) - firstPower) / (lastPower - firstPower)) * (endPixel - startPixel),
    formatTick,
  };
}
