// A realistic eval report for the report renderers' tests: two metrics, thirty items, a loss curve.
import { evalReport, type EvalItemRow, type EvalReport } from '../../../evals/report/eval-report.js';

const labels = ['billing', 'bug', 'account', 'feature-request', 'outage'] as const;

/** A deterministic item: the candidate misses every seventh label, the baseline every fifth. */
function sampleItem(index: number): EvalItemRow {
  const label = labels[index % labels.length]!;
  const wrong = labels[(index + 1) % labels.length]!;
  const candidateLabel = index % 7 === 3 ? wrong : label;
  const baselineLabel = index % 5 === 2 ? wrong : label;
  const tokenF1 = (output: string, offset: number): number => (output === label ? 1 : Number((0.25 + ((index + offset) % 4) * 0.1).toFixed(2)));
  return {
    id: `ticket-${String(index + 1).padStart(3, '0')}`,
    prompt: `Classify this support ticket.\nTicket #${index + 1}: "My ${label} problem started on day ${index % 12}."`,
    reference: label,
    candidate: {
      output: candidateLabel,
      scores: { exact_match: candidateLabel === label ? 1 : 0, token_f1: tokenF1(candidateLabel, 1) },
      latencyMs: 38 + (index % 9) * 3,
    },
    baseline: {
      output: baselineLabel,
      scores: { exact_match: baselineLabel === label ? 1 : 0, token_f1: tokenF1(baselineLabel, 2) },
      latencyMs: 610 + (index % 11) * 45,
    },
  };
}

function meanOf(items: readonly EvalItemRow[], side: 'candidate' | 'baseline', metric: string): number {
  return items.reduce((total, item) => total + (item[side].scores[metric] ?? 0), 0) / items.length;
}

function estimate(mean: number, halfWidth: number): { mean: number; ci: [number, number] } {
  return { mean, ci: [Math.max(0, mean - halfWidth), Math.min(1, mean + halfWidth)] };
}

function baseReport(): EvalReport {
  const items = Array.from({ length: 30 }, (_, index) => sampleItem(index));
  const quality = (side: 'candidate' | 'baseline') => ({
    exact_match: estimate(meanOf(items, side, 'exact_match'), 0.11),
    token_f1: estimate(meanOf(items, side, 'token_f1'), 0.07),
  });
  const candidate = quality('candidate');
  const baseline = quality('baseline');
  // Differences are not clamped: the exact-match interval clears −margin, the token-F1 interval straddles it.
  const exactMean = candidate.exact_match.mean - baseline.exact_match.mean;
  const exactDifference = { mean: exactMean, ci: [exactMean - 0.09, exactMean + 0.09] as [number, number] };
  const f1Mean = candidate.token_f1.mean - baseline.token_f1.mean;
  const f1Difference = { mean: f1Mean, ci: [f1Mean - 0.11, f1Mean + 0.05] as [number, number] };
  const trainLoss = Array.from({ length: 40 }, (_, step): [number, number] => [step * 25, Number((2.4 * Math.exp(-step / 9) + 0.35).toFixed(4))]);
  const validationLoss = Array.from({ length: 8 }, (_, step): [number, number] => [step * 125, Number((2.5 * Math.exp(-step / 1.9) + 0.42).toFixed(4))]);
  return {
    schemaVersion: 1,
    id: 'eval-2026-12-05-support-triage',
    createdAt: '2026-12-05T14:03:27.000Z',
    verdict: 'NON_INFERIOR',
    gate: { passed: true, reasons: ['quality: NON_INFERIOR on every weighted metric', 'cost: the candidate costs 0.021× the baseline per request, under the 0.5× limit'] },
    n: items.length,
    adapter: 'support-triage@v3',
    dataset: 'support-tickets@2026-11 (test split)',
    baselineSpec: 'openai:gpt-5.2',
    margin: 0.05,
    priceCatalogVersion: '2026-12-04',
    candidate: {
      model: 'builtin:tiny + support-triage@v3',
      description: 'LoRA adapter support-triage@v3 on builtin:tiny, in process (wasm)',
      quality: candidate,
      cost: { totalUsd: 0.00126, usdPer1MTokens: 0.35, usdPer1kRequests: 0.042, basis: 'compute: $0.90 per GPU-hour (configured)' },
      latencyMs: { p50: 49, p95: 61 },
      usage: { promptTokens: 2_130, completionTokens: 94, cachedPromptTokens: 0 },
      computeSeconds: 5.04,
    },
    baseline: {
      model: 'openai:gpt-5.2',
      description: 'OpenAI chat completions, few-shot prompt',
      quality: baseline,
      cost: { totalUsd: 0.0603, usdPer1MTokens: 9.8, usdPer1kRequests: 2.01, basis: 'price catalog 2026-12-04: openai/gpt-5.2' },
      latencyMs: { p50: 840, p95: 1_090 },
      usage: { promptTokens: 5_910, completionTokens: 240, cachedPromptTokens: 1_024 },
      computeSeconds: null,
    },
    difference: { exact_match: exactDifference, token_f1: f1Difference },
    metrics: [
      {
        metric: 'exact_match',
        weight: 1,
        binary: true,
        threshold: null,
        difference: exactDifference,
        mcnemar: { b: 2, c: 4, statistic: 0.1667, pValue: 0.6831, method: 'exact binomial' },
        verdict: 'NON_INFERIOR',
        itemsToDecide: null,
        explanation: `difference ${exactDifference.mean.toPrecision(4)} (CI ${exactDifference.ci.map((bound) => bound.toPrecision(4)).join(' to ')}, n=30): the lower bound is above -0.05, so the candidate is non-inferior`,
      },
      {
        metric: 'token_f1',
        weight: 0.5,
        binary: false,
        threshold: 0.5,
        difference: f1Difference,
        mcnemar: null,
        verdict: 'INCONCLUSIVE',
        itemsToDecide: 212,
        explanation: `difference ${f1Difference.mean.toPrecision(4)} (CI ${f1Difference.ci.map((bound) => bound.toPrecision(4)).join(' to ')}, n=30): the interval straddles -0.05; about 212 items would decide it`,
      },
    ],
    costRatio: 0.0209,
    trainingLoss: { trainLoss, validationLoss },
    items,
  };
}

/** A valid report (checked with `evalReport.parse`), with top-level fields replaced by `overrides`. */
export function sampleReport(overrides: Partial<EvalReport> = {}): EvalReport {
  return evalReport.parse({ ...baseReport(), ...overrides });
}

/** The sample report where the candidate's cost is unknown: no compute price was configured, so the gate fails. */
export function sampleReportWithUnknownCost(overrides: Partial<EvalReport> = {}): EvalReport {
  const base = baseReport();
  return sampleReport({
    candidate: { ...base.candidate, cost: { totalUsd: null, usdPer1MTokens: null, usdPer1kRequests: null, basis: 'no compute price configured' } },
    costRatio: null,
    gate: { passed: false, reasons: ['cost: the candidate\'s cost is unknown; set a compute price to compare it'] },
    ...overrides,
  });
}
