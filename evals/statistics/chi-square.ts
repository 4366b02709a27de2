// The chi-square survival function, through the regularised upper incomplete gamma function.
// Written here rather than taken from a package: the p-values of a verdict must not move with a dependency.
import { UsageError } from '../../core/index.js';

/** Relative precision at which the series and the continued fraction stop. */
const precision = 1e-15;
/** Iterations after which a series or continued fraction is taken as not converging. */
const maxIterations = 1000;
/** Stands in for zero in the continued fraction so that no step divides by it. */
const tiny = 1e-300;

/** Lanczos approximation (g = 7, nine terms): ln Γ(x) to about 15 significant digits for x > 0. */
const lanczosG = 7;
const lanczosCoefficients = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
] as const;

/** ln Γ(x) for x > 0; below 0.5 through the reflection formula, where the approximation loses accuracy. */
function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const shifted = x - 1;
  let sum = lanczosCoefficients[0];
  for (let index = 1; index < lanczosCoefficients.length; index += 1) {
    sum += (lanczosCoefficients[index] as number) / (shifted + index);
  }
  const t = shifted + lanczosG + 0.5;
  return 0.5 * Math.log(2 * Math.PI) + (shifted + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** ln of x^a e^-x / Γ(a), the factor shared by the series and the continued fraction. */
function logPrefactor(a: number, x: number): number {
  return a * Math.log(x) - x - logGamma(a);
}

/** P(a, x) by its power series; converges quickly for x < a + 1. */
function lowerBySeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n <= maxIterations; n += 1) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * precision) return sum * Math.exp(logPrefactor(a, x));
  }
  throw new UsageError(`regularised gamma: the series for a=${a}, x=${x} did not converge`);
}

/** Q(a, x) by its continued fraction (modified Lentz); converges quickly for x >= a + 1. */
function upperByContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let fraction = d;
  for (let n = 1; n <= maxIterations; n += 1) {
    const an = -n * (n - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const step = d * c;
    fraction *= step;
    if (Math.abs(step - 1) < precision) return fraction * Math.exp(logPrefactor(a, x));
  }
  throw new UsageError(`regularised gamma: the continued fraction for a=${a}, x=${x} did not converge`);
}

/**
 * The regularised upper incomplete gamma function Q(a, x) = Γ(a, x) / Γ(a), for a > 0 and x >= 0.
 * Each branch is used where it converges fastest, so the small tail keeps its relative accuracy.
 */
export function regularizedGammaUpper(a: number, x: number): number {
  if (!Number.isFinite(a) || a <= 0) throw new UsageError(`regularised gamma: "a" must be a finite number > 0, got ${a}`);
  if (Number.isNaN(x) || x < 0) throw new UsageError(`regularised gamma: "x" must be a number >= 0, got ${x}`);
  if (x === 0) return 1;
  if (x === Infinity) return 0;
  if (x < a + 1) return Math.min(1, Math.max(0, 1 - lowerBySeries(a, x)));
  return Math.min(1, Math.max(0, upperByContinuedFraction(a, x)));
}

/**
 * P(X > statistic) for X ~ chi-square with `degreesOfFreedom` degrees of freedom.
 *
 * @example
 * chiSquareSurvival(3.841459); // ≈ 0.05
 */
export function chiSquareSurvival(statistic: number, degreesOfFreedom = 1): number {
  if (!Number.isFinite(degreesOfFreedom) || degreesOfFreedom <= 0) {
    throw new UsageError(`chi-square: degrees of freedom must be a finite number > 0, got ${degreesOfFreedom}`);
  }
  if (Number.isNaN(statistic) || statistic < 0) throw new UsageError(`chi-square: the statistic must be a number >= 0, got ${statistic}`);
  return regularizedGammaUpper(degreesOfFreedom / 2, statistic / 2);
}
