import type { ArtifactStore } from '../../core/index.js';
import { findPrice, tokenCost, type PriceCatalog } from '../pricing/index.js';
import type { ChatProvider } from '../providers/index.js';
import type { EvalJudge } from '../report/eval-report.js';
import type { RubricJudge } from '../rubric.js';
import { bootstrapMean, type BootstrapOptions } from '../statistics/index.js';
import type { JudgeReply } from './judge-calls.js';
import { compareJudgeScores, type JudgeMetricResult, type JudgeMetricScores } from './judge-comparison.js';
import type { JudgedItem } from './judge-prompts.js';
import { judgePairwise, type PairwiseJudgement, type PairwiseOutcome } from './pairwise-judge.js';
import { judgeSingleAnswers, type SingleAnswerJudgement } from './single-answer-judge.js';

/** The metric of single-answer grading: the judge's 1–10 score mapped to [0, 1]. */
export const judgeScoreMetric = 'judge_score';
/** The metric of pairwise comparison: 1 win, 0.5 tie, 0 loss for the candidate; 1 minus that for the baseline. */
export const judgePairwiseMetric = 'judge_pairwise';

/** Everything the judge needs: both sides' answers, the judge model, and where its calls are saved. */
export interface RunJudgeInput {
  evalId: string;
  store: ArtifactStore;
  provider: ChatProvider;
  config: RubricJudge;
  items: readonly JudgedItem[];
  catalog: PriceCatalog;
  margin: number;
  bootstrap: BootstrapOptions;
  signal?: AbortSignal;
}

/** The judge's contribution to a report: its metrics, per-item scores, gate reasons and its own section. */
export interface JudgeOutcome {
  metrics: JudgeMetricResult[];
  itemScores: { candidate: Record<string, number>[]; baseline: Record<string, number>[] };
  gateReasons: string[];
  report: EvalJudge;
}

/** Items judged at once; HTTP judges limit their own requests in flight. */
const httpConcurrency = 16;

/**
 * Judges both sides' answers as the rubric's judge section says (`single`, `pairwise` or `both`), reusing calls saved
 * under `evals/ID/judge/`, and compares the judge metrics like any other: paired bootstrap and a verdict at the margin.
 */
export async function runJudge(input: RunJudgeInput): Promise<JudgeOutcome> {
  const { config, items, provider } = input;
  const context = { evalId: input.evalId, store: input.store, provider, concurrency: provider.endpoint.startsWith('local:') ? 1 : httpConcurrency, signal: input.signal };
  const [single, pairwise] = await Promise.all([
    config.mode === 'pairwise' ? undefined : judgeSingleAnswers(context, items, config),
    config.mode === 'single' ? undefined : judgePairwise(context, items, config),
  ]);
  const scores: JudgeMetricScores[] = [];
  if (single) scores.push({ metric: judgeScoreMetric, candidate: single.candidate, baseline: single.baseline });
  if (pairwise) scores.push({ metric: judgePairwiseMetric, candidate: pairwise.candidate, baseline: pairwise.candidate.map((value) => (value === null ? null : 1 - value)) });

  const settings = { weight: config.weight, margin: input.margin, bootstrap: input.bootstrap };
  const metrics = scores.map((metricScores) => compareJudgeScores(metricScores, settings));
  const itemScores = { candidate: items.map(() => ({}) as Record<string, number>), baseline: items.map(() => ({}) as Record<string, number>) };
  for (const { metric, candidate, baseline } of scores) {
    candidate.forEach((value, index) => {
      if (value !== null) itemScores.candidate[index]![metric] = value;
    });
    baseline.forEach((value, index) => {
      if (value !== null) itemScores.baseline[index]![metric] = value;
    });
  }
  const unparsable = (single?.unparsable ?? 0) + (pairwise?.unparsable ?? 0);
  const gateReasons = metrics
    .filter((metric) => metric.comparison === null && config.weight > 0)
    .map((metric) => `${metric.metric}: no item has a readable judge reply on both sides (${unparsable} unparsable replies); check that ${provider.id} ends its replies with the requested line`);
  return { metrics, itemScores, gateReasons, report: judgeSection(input, single, pairwise) };
}

function judgeSection(input: RunJudgeInput, single: SingleAnswerJudgement | undefined, pairwise: PairwiseJudgement | undefined): EvalJudge {
  const { config, provider, items } = input;
  const replies = [...(single?.replies ?? []), ...(pairwise?.replies ?? [])];
  const unparsableIndices = new Set([...(single?.unparsableItems ?? []), ...(pairwise?.unparsableItems ?? [])]);
  const usage = replies.reduce(
    (total, reply) => ({
      promptTokens: total.promptTokens + reply.response.usage.promptTokens,
      completionTokens: total.completionTokens + reply.response.usage.completionTokens,
      cachedPromptTokens: total.cachedPromptTokens + reply.response.usage.cachedPromptTokens,
    }),
    { promptTokens: 0, completionTokens: 0, cachedPromptTokens: 0 },
  );
  return {
    model: provider.id,
    temperature: config.temperature,
    seed: config.seed,
    mode: config.mode,
    calls: replies.length,
    unparsable: (single?.unparsable ?? 0) + (pairwise?.unparsable ?? 0),
    unparsableItems: items.filter((_, index) => unparsableIndices.has(index)).map((item) => item.id),
    ...pairwiseSection(pairwise, input.bootstrap),
    usage,
    cost: judgeCost(provider.id, usage, input.catalog),
  };
}

function pairwiseSection(pairwise: PairwiseJudgement | undefined, bootstrap: BootstrapOptions): Pick<EvalJudge, 'inconsistencyRate' | 'pairwise'> {
  if (pairwise === undefined) return { inconsistencyRate: null, pairwise: null };
  const read = pairwise.items.filter((item) => item.outcome !== null);
  const count = (outcome: PairwiseOutcome) => read.filter((item) => item.outcome === outcome).length;
  const inconsistent = read.filter((item) => item.inconsistent).length;
  const values = pairwise.candidate.filter((value): value is number => value !== null);
  const winRate = values.length === 0 ? null : bootstrapMean(values, bootstrap);
  return {
    inconsistencyRate: read.length === 0 ? null : inconsistent / read.length,
    pairwise: { wins: count('win'), ties: count('tie'), losses: count('loss'), inconsistent, winRate: winRate === null ? null : { mean: winRate.estimate, ci: winRate.ci } },
  };
}

/** The judge's usage at its catalog price; unknown (null) when the catalog has none, never $0. */
function judgeCost(reference: string, usage: EvalJudge['usage'], catalog: PriceCatalog): EvalJudge['cost'] {
  const colon = reference.indexOf(':');
  if (colon <= 0 || colon === reference.length - 1) return { totalUsd: null, basis: `no price: the judge "${reference}" is not named provider:model` };
  const entry = findPrice(catalog, reference);
  const cost = tokenCost(usage, entry);
  if (entry === undefined || cost.usd === null) return { totalUsd: null, basis: `no price for ${reference} in catalog ${catalog.version}: ${cost.reason ?? 'unknown'}` };
  return { totalUsd: cost.usd, basis: `${entry.provider}:${entry.model} at $${entry.inputPer1M}/$${entry.outputPer1M} per 1M input/output tokens (${entry.source}, effective ${entry.effectiveDate}; catalog ${catalog.version})` };
}
