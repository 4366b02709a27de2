import { describe, expect, it } from 'vitest';
import { SeededRandom, UsageError } from '../../../core/index.js';
import {
  bootstrapMean,
  bootstrapStatistic,
  chiSquareSurvival,
  combineVerdicts,
  countDiscordant,
  decideVerdict,
  mcnemarTest,
  pairedBootstrapCorpusDifference,
  pairedBootstrapDifference,
  regularizedGammaUpper,
} from '../../../evals/statistics/index.js';

function normalSample(n: number, mean: number, deviation: number, seed: number): number[] {
  const random = new SeededRandom(seed);
  return Array.from({ length: n }, () => mean + deviation * random.normal());
}

describe('chi-square survival', () => {
  it('gives 0.05 at the 95% critical value of one degree of freedom', () => {
    expect(chiSquareSurvival(3.841459)).toBeCloseTo(0.05, 6);
  });

  it('matches reference values across degrees of freedom and into the far tail', () => {
    // Reference values from scipy.stats.chi2.sf.
    expect(chiSquareSurvival(5.6, 1)).toBeCloseTo(0.01796047752607879, 9);
    expect(chiSquareSurvival(0.001, 1)).toBeCloseTo(0.9747728793699604, 9);
    expect(chiSquareSurvival(10, 3)).toBeCloseTo(0.01856613546304325, 9);
    expect(chiSquareSurvival(2.5, 4)).toBeCloseTo(0.6446357929354278, 9);
    expect(chiSquareSurvival(50, 1) / 1.537459794428033e-12).toBeCloseTo(1, 6);
    expect(chiSquareSurvival(100, 1) / 1.5239706048320995e-23).toBeCloseTo(1, 6);
  });

  it('computes the regularised upper gamma on both sides of x = a + 1', () => {
    expect(regularizedGammaUpper(3, 0.5)).toBeCloseTo(0.9856123220330293, 9);
    expect(regularizedGammaUpper(10, 12)).toBeCloseTo(0.24239216167051245, 9);
    expect(regularizedGammaUpper(2, 0)).toBe(1);
  });

  it('rejects a negative statistic', () => {
    expect(() => chiSquareSurvival(-1)).toThrow(UsageError);
  });
});

describe('McNemar', () => {
  it('uses the exact binomial below 25 discordant items: b=10, c=2 gives p = 2·79/4096', () => {
    const result = mcnemarTest({ b: 10, c: 2 });
    expect(result.method).toBe('exact');
    expect(result.pValue).toBeCloseTo(0.03857421875, 12);
    expect(result.pValue).toBeCloseTo(0.0386, 4);
  });

  it('uses chi-square with continuity correction from 25 discordant items: b=25, c=10 gives 5.6', () => {
    const result = mcnemarTest({ b: 25, c: 10 });
    expect(result).toMatchObject({ b: 25, c: 10, method: 'chi-square' });
    expect(result.statistic).toBeCloseTo(5.6, 12);
    expect(result.pValue).toBeCloseTo(0.01796, 5);
  });

  it('is symmetric in b and c', () => {
    expect(mcnemarTest({ b: 3, c: 9 }).pValue).toBe(mcnemarTest({ b: 9, c: 3 }).pValue);
    expect(mcnemarTest({ b: 12, c: 30 }).pValue).toBe(mcnemarTest({ b: 30, c: 12 }).pValue);
  });

  it('gives p = 1 when the discordant counts are equal or absent', () => {
    expect(mcnemarTest({ b: 0, c: 0 }).pValue).toBe(1);
    expect(mcnemarTest({ b: 5, c: 5 }).pValue).toBe(1);
    expect(mcnemarTest({ b: 20, c: 20 })).toMatchObject({ statistic: 0, pValue: 1, method: 'chi-square' });
  });

  it('switches method exactly at 25 discordant items', () => {
    expect(mcnemarTest({ b: 20, c: 4 }).method).toBe('exact');
    expect(mcnemarTest({ b: 20, c: 5 }).method).toBe('chi-square');
  });

  it('counts discordant pairs from pass/fail lists', () => {
    expect(countDiscordant([true, true, false, false, true], [false, true, true, false, false])).toEqual({ b: 2, c: 1 });
    expect(() => countDiscordant([true], [true, false])).toThrow(/one outcome per item/);
  });

  it('rejects counts that are not whole numbers', () => {
    expect(() => mcnemarTest({ b: 1.5, c: 2 })).toThrow(/"b" must be a whole number/);
  });
});

describe('bootstrap', () => {
  it('covers the true mean of a large sample', () => {
    const values = normalSample(2000, 0.7, 0.2, 11);
    const { estimate, ci } = bootstrapMean(values, { seed: 1 });
    expect(ci[0]).toBeLessThan(0.7);
    expect(ci[1]).toBeGreaterThan(0.7);
    expect(estimate).toBeGreaterThan(ci[0]);
    expect(estimate).toBeLessThan(ci[1]);
    // Standard error 0.2/√2000 ≈ 0.0045, so a 95% interval is about 0.0175 wide.
    expect(ci[1] - ci[0]).toBeGreaterThan(0.014);
    expect(ci[1] - ci[0]).toBeLessThan(0.021);
  });

  it('narrows as the sample grows, roughly like 1/√n', () => {
    const width = (n: number): number => {
      const { ci } = bootstrapMean(normalSample(n, 0, 1, 5), { seed: 2 });
      return ci[1] - ci[0];
    };
    const ratio = width(400) / width(1600);
    expect(ratio).toBeGreaterThan(1.6);
    expect(ratio).toBeLessThan(2.4);
  });

  it('gives the same interval for the same seed and another for another seed', () => {
    const values = normalSample(200, 0, 1, 3);
    const first = bootstrapMean(values, { seed: 9, resamples: 500 });
    expect(bootstrapMean(values, { seed: 9, resamples: 500 })).toEqual(first);
    expect(bootstrapMean(values, { seed: 10, resamples: 500 }).ci).not.toEqual(first.ci);
  });

  it('widens with the confidence level', () => {
    const values = normalSample(300, 0, 1, 4);
    const at90 = bootstrapMean(values, { seed: 1, confidence: 0.9 });
    const at99 = bootstrapMean(values, { seed: 1, confidence: 0.99 });
    expect(at99.ci[0]).toBeLessThan(at90.ci[0]);
    expect(at99.ci[1]).toBeGreaterThan(at90.ci[1]);
  });

  it('gives [0, 0] for the paired difference of identical arrays', () => {
    const scores = normalSample(100, 0.5, 0.3, 8);
    expect(pairedBootstrapDifference(scores, [...scores], { seed: 3 })).toEqual({ estimate: 0, ci: [0, 0], candidate: expect.any(Number), baseline: expect.any(Number) });
  });

  it('makes a constant paired shift certain, though the scores themselves vary widely', () => {
    const baseline = normalSample(100, 0.5, 0.3, 8);
    const candidate = baseline.map((value) => value + 0.1);
    const { estimate, ci } = pairedBootstrapDifference(candidate, baseline, { seed: 3 });
    expect(estimate).toBeCloseTo(0.1, 12);
    expect(ci[0]).toBeCloseTo(0.1, 12);
    expect(ci[1]).toBeCloseTo(0.1, 12);
  });

  it('resamples both corpus statistics on the same indices', () => {
    const baseline = normalSample(150, 0.5, 0.3, 12);
    const candidate = baseline.map((value) => value * 2);
    const sum = (values: number[]) => (indices: ArrayLike<number>) => {
      let total = 0;
      for (let index = 0; index < indices.length; index += 1) total += values[indices[index] as number] as number;
      return total;
    };
    // candidate − baseline over the same indices is the baseline's own sum, so the interval matches its bootstrap.
    const paired = pairedBootstrapCorpusDifference(150, sum(candidate), sum(baseline), { seed: 4 });
    const alone = bootstrapStatistic(150, sum(baseline), { seed: 4 });
    expect(paired.estimate).toBeCloseTo(alone.estimate, 9);
    expect(paired.ci[0]).toBeCloseTo(alone.ci[0], 9);
    expect(paired.ci[1]).toBeCloseTo(alone.ci[1], 9);
    expect(paired.candidate).toBeCloseTo(2 * paired.baseline, 9);
  });

  it('rejects mismatched lengths, empty input and a statistic that is not finite', () => {
    expect(() => pairedBootstrapDifference([1, 2], [1], { seed: 1 })).toThrow(/one score per item/);
    expect(() => bootstrapMean([], { seed: 1 })).toThrow(/at least one value/);
    expect(() => bootstrapMean([1, Number.NaN], { seed: 1 })).toThrow(/values\[1\] must be a finite number/);
    expect(() => bootstrapStatistic(3, () => Number.NaN, { seed: 1 })).toThrow(UsageError);
    expect(() => bootstrapMean([1, 2], { seed: 1, confidence: 1 })).toThrow(/"confidence" must lie strictly between 0 and 1/);
  });
});

describe('verdict', () => {
  const straddling = { estimate: -0.01, ci: [-0.04, 0.02] as const };

  it('is NON_INFERIOR when the lower bound clears a wide margin', () => {
    expect(decideVerdict({ difference: straddling, margin: 0.05, n: 500 })).toMatchObject({ verdict: 'NON_INFERIOR', itemsToDecide: null });
  });

  it('becomes INCONCLUSIVE when the margin moves inside the interval', () => {
    expect(decideVerdict({ difference: straddling, margin: 0.03, n: 500 }).verdict).toBe('INCONCLUSIVE');
  });

  it('is LOSE when the whole interval is below −margin', () => {
    expect(decideVerdict({ difference: { estimate: -0.075, ci: [-0.09, -0.06] }, margin: 0.05, n: 500 }).verdict).toBe('LOSE');
  });

  it('is WIN when the whole interval is above 0, whatever the margin', () => {
    expect(decideVerdict({ difference: { estimate: 0.03, ci: [0.01, 0.05] }, margin: 0.05, n: 500 }).verdict).toBe('WIN');
    expect(decideVerdict({ difference: { estimate: 0.03, ci: [0.01, 0.05] }, margin: 0, n: 500 }).verdict).toBe('WIN');
  });

  it('estimates the items that would decide it from the side of the interval facing the margin', () => {
    // Estimate −0.01 is 0.02 above −0.03; the lower half-width is 0.03; n' = 500 · (0.03 / 0.02)² = 1125.
    const decision = decideVerdict({ difference: straddling, margin: 0.03, n: 500 });
    expect(decision.itemsToDecide).toBe(1125);
    expect(decision.explanation).toMatch(/about 1125 items/);
    // Estimate −0.07 is 0.02 below −0.05; the upper half-width is 0.04; n' = 200 · (0.04 / 0.02)² = 800.
    expect(decideVerdict({ difference: { estimate: -0.07, ci: [-0.1, -0.03] }, margin: 0.05, n: 200 }).itemsToDecide).toBe(800);
  });

  it('says no item count decides an estimate that sits exactly on the margin', () => {
    const decision = decideVerdict({ difference: { estimate: -0.05, ci: [-0.08, -0.02] }, margin: 0.05, n: 300 });
    expect(decision).toMatchObject({ verdict: 'INCONCLUSIVE', itemsToDecide: null });
    expect(decision.explanation).toMatch(/exactly on the margin/);
  });

  it('rejects a negative margin and an interval given upper bound first', () => {
    expect(() => decideVerdict({ difference: straddling, margin: -0.1, n: 10 })).toThrow(/"margin" must be/);
    expect(() => decideVerdict({ difference: { estimate: 0, ci: [0.1, -0.1] }, margin: 0.1, n: 10 })).toThrow(/lower first/);
  });
});

describe('combined verdict', () => {
  it('takes the worst verdict among weighted metrics', () => {
    const combined = combineVerdicts([
      { metric: 'exact-match', weight: 1, verdict: 'WIN' },
      { metric: 'json-valid', weight: 0.5, verdict: 'NON_INFERIOR' },
    ]);
    expect(combined).toMatchObject({ verdict: 'NON_INFERIOR', decidingMetrics: ['json-valid'] });
  });

  it('loses when any weighted metric loses, even a light one, and ignores metrics of weight 0', () => {
    expect(
      combineVerdicts([
        { metric: 'exact-match', weight: 1, verdict: 'WIN' },
        { metric: 'latency', weight: 0.1, verdict: 'LOSE' },
        { metric: 'length', weight: 0, verdict: 'INCONCLUSIVE' },
      ]).verdict,
    ).toBe('LOSE');
    expect(
      combineVerdicts([
        { metric: 'exact-match', weight: 1, verdict: 'WIN' },
        { metric: 'length', weight: 0, verdict: 'LOSE' },
      ]).verdict,
    ).toBe('WIN');
  });

  it('stays INCONCLUSIVE while any weighted metric is', () => {
    expect(
      combineVerdicts([
        { metric: 'a', weight: 1, verdict: 'WIN' },
        { metric: 'b', weight: 1, verdict: 'INCONCLUSIVE' },
      ]).verdict,
    ).toBe('INCONCLUSIVE');
  });

  it('refuses to decide with no weighted metric or a metric listed twice', () => {
    expect(() => combineVerdicts([{ metric: 'a', weight: 0, verdict: 'WIN' }])).toThrow(/weight > 0/);
    expect(() =>
      combineVerdicts([
        { metric: 'a', weight: 1, verdict: 'WIN' },
        { metric: 'a', weight: 1, verdict: 'LOSE' },
      ]),
    ).toThrow(/listed twice/);
  });
});
