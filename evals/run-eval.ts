import { canonicalJson, sha256Hex, type ArtifactStore, type Logger } from '../core/index.js';
import { createJudgeProvider, runJudge, type JudgeOutcome } from './judge/index.js';
import { createMetricScorer, getMetric, type EvalItem } from './metrics/index.js';
import { costRatio, costSummary, computeCost, findPrice, tokenCost, type PriceCatalog } from './pricing/index.js';
import { ResponseCache, type ChatProvider, type ChatResponse } from './providers/index.js';
import type { EvalItemRow, EvalReport, EvalSide, MetricComparison } from './report/eval-report.js';
import type { Rubric } from './rubric.js';
import { bootstrapMean, bootstrapStatistic, combineVerdicts, countDiscordant, decideVerdict, mcnemarTest, pairedBootstrapCorpusDifference, pairedBootstrapDifference } from './statistics/index.js';

/** One item to answer: the conversation up to the reply, the reference reply and its label. */
export interface EvalInputItem {
  id: string;
  messages: { role: string; content: string }[];
  reference: string;
  label?: string;
}

/** How a side is priced: tokens at a catalog entry, or measured compute time at a configured hourly price. */
export type CostBasis = { kind: 'catalog'; reference: string } | { kind: 'compute'; usdPerHour: number | undefined } | { kind: 'tokens'; usdPer1MTokens: number };

/** A side of the comparison: who answers and how it is priced. */
export interface EvalParticipant {
  provider: ChatProvider & { computeSeconds?(): number };
  description: string;
  cost: CostBasis;
}

/** Everything an eval run needs. */
export interface RunEvalInput {
  id: string;
  store: ArtifactStore;
  items: readonly EvalInputItem[];
  candidate: EvalParticipant;
  baseline: EvalParticipant;
  rubric: Rubric;
  catalog: PriceCatalog;
  adapter: string;
  dataset: string;
  baselineSpec: string;
  trainingLoss: EvalReport['trainingLoss'];
  /** The model of `rubric.judge`; built from `rubric.judge.provider` with the response cache in `store` when absent. */
  judgeProvider?: ChatProvider;
  signal?: AbortSignal;
  log?: Logger;
  onProgress?: (done: number, total: number) => void;
}

/** The id of an eval: the same adapter, data, baseline and rubric give the same id, so a rerun resumes it. */
export function evalId(parts: { adapter: string; artifactSha256: string; dataset: string; baselineSpec: string; rubric: Rubric }): string {
  return `ev-${sha256Hex(canonicalJson(parts)).slice(0, 16)}`;
}

const itemKey = (id: string, side: 'candidate' | 'baseline', index: number) => `evals/${id}/items/${String(index).padStart(6, '0')}.${side}.json`;

/** Answers every item with one side, saving each answer as it arrives; answers already saved are not asked again. */
async function answerAll(input: RunEvalInput, side: 'candidate' | 'baseline', concurrency: number, progress: () => void): Promise<ChatResponse[]> {
  const participant = input[side];
  const answers: ChatResponse[] = new Array(input.items.length);
  let next = 0;
  const worker = async () => {
    for (;;) {
      const index = next++;
      if (index >= input.items.length) return;
      if (input.signal?.aborted) throw input.signal.reason ?? new Error('eval aborted');
      const key = itemKey(input.id, side, index);
      const saved = (await input.store.readJson(key)) as ChatResponse | undefined;
      if (saved !== undefined) answers[index] = saved;
      else {
        const item = input.items[index]!;
        const response = await participant.provider.complete({ messages: item.messages, maxTokens: input.rubric.maxTokens, temperature: 0, seed: 0 }, input.signal);
        await input.store.writeJson(key, response);
        answers[index] = response;
      }
      progress();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  return answers;
}

function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return 0;
  const sorted = [...values].sort((left, right) => left - right);
  const position = (sorted.length - 1) * q;
  const low = Math.floor(position);
  const high = Math.ceil(position);
  return (sorted[low] as number) + ((sorted[high] as number) - (sorted[low] as number)) * (position - low);
}

function sideCost(participant: EvalParticipant, answers: readonly ChatResponse[], catalog: PriceCatalog): EvalSide['cost'] & { computeSeconds: number | null } {
  const usage = answers.reduce(
    (total, answer) => ({
      promptTokens: total.promptTokens + answer.usage.promptTokens,
      cachedPromptTokens: total.cachedPromptTokens + answer.usage.cachedPromptTokens,
      completionTokens: total.completionTokens + answer.usage.completionTokens,
    }),
    { promptTokens: 0, cachedPromptTokens: 0, completionTokens: 0 },
  );
  const computeSeconds = participant.provider.computeSeconds === undefined ? null : answers.reduce((sum, answer) => sum + answer.latencyMs, 0) / 1000;
  let totalUsd: number | null = null;
  let basis: string;
  const basisOf = participant.cost;
  if (basisOf.kind === 'catalog') {
    const entry = findPrice(catalog, basisOf.reference);
    const cost = tokenCost(usage, entry);
    totalUsd = cost.usd;
    basis = entry === undefined ? `no price for ${basisOf.reference} in catalog ${catalog.version}` : `${entry.provider}:${entry.model} at $${entry.inputPer1M}/$${entry.outputPer1M} per 1M input/output tokens (${entry.source}, effective ${entry.effectiveDate}; catalog ${catalog.version})`;
    if (cost.usd === null) basis += `: ${cost.reason}`;
  } else if (basisOf.kind === 'tokens') {
    totalUsd = ((usage.promptTokens + usage.completionTokens) / 1e6) * basisOf.usdPer1MTokens;
    basis = `configured $${basisOf.usdPer1MTokens} per 1M tokens`;
  } else if (basisOf.usdPerHour === undefined || computeSeconds === null) {
    basis = 'unknown: no compute price configured (rubric cost.usdPerComputeHour)';
  } else {
    totalUsd = computeCost(basisOf.usdPerHour, computeSeconds);
    basis = `measured compute ${computeSeconds.toFixed(1)} s at a configured $${basisOf.usdPerHour}/hour`;
  }
  const summary = costSummary({ totalUsd, requests: answers.length, promptTokens: usage.promptTokens, completionTokens: usage.completionTokens });
  return { totalUsd, ...summary, basis, computeSeconds };
}

/**
 * Runs an eval: both sides answer the same items (saved one by one, so a crashed eval resumes
 * without paying twice), every rubric metric is scored, and the paired statistics decide the verdict.
 */
export async function runEval(input: RunEvalInput): Promise<EvalReport> {
  const total = input.items.length * 2;
  let done = 0;
  const progress = () => input.onProgress?.((done += 1), total);
  // The in-process candidate runs one at a time; HTTP baselines overlap (their provider limits concurrency).
  const [candidateAnswers, baselineAnswers] = await Promise.all([
    answerAll(input, 'candidate', 1, progress),
    answerAll(input, 'baseline', input.baseline.provider.endpoint.startsWith('local:') ? 1 : 32, progress),
  ]);
  const evalItems: EvalItem[] = input.items.map((item) => ({ id: item.id, reference: item.reference, label: item.label }));
  const candidateOutputs = candidateAnswers.map((answer) => answer.text);
  const baselineOutputs = baselineAnswers.map((answer) => answer.text);
  const n = input.items.length;
  const bootstrap = { resamples: input.rubric.bootstrap.resamples, seed: input.rubric.bootstrap.seed };
  const comparisons: MetricComparison[] = [];
  const candidateQuality: EvalSide['quality'] = {};
  const baselineQuality: EvalSide['quality'] = {};
  const difference: EvalReport['difference'] = {};
  const itemScores: { candidate: Record<string, number>[]; baseline: Record<string, number>[] } = { candidate: evalItems.map(() => ({})), baseline: evalItems.map(() => ({})) };
  const gateReasons: string[] = [];

  for (const entry of input.rubric.metrics) {
    const metric = getMetric(entry.name);
    const scorer = createMetricScorer(metric, { items: evalItems, options: entry.options });
    let paired: { estimate: number; ci: [number, number] };
    let mcnemar: MetricComparison['mcnemar'] = null;
    if (scorer.kind === 'item') {
      const candidateScores = scorer.scoreItems(candidateOutputs);
      const baselineScores = scorer.scoreItems(baselineOutputs);
      candidateScores.forEach((score, index) => (itemScores.candidate[index]![metric.name] = score));
      baselineScores.forEach((score, index) => (itemScores.baseline[index]![metric.name] = score));
      const own = bootstrapMean(candidateScores, bootstrap);
      const theirs = bootstrapMean(baselineScores, bootstrap);
      candidateQuality[metric.name] = { mean: own.estimate, ci: own.ci };
      baselineQuality[metric.name] = { mean: theirs.estimate, ci: theirs.ci };
      paired = pairedBootstrapDifference(candidateScores, baselineScores, bootstrap);
      if (metric.binary) mcnemar = mcnemarTest(countDiscordant(candidateScores.map((score) => score === 1), baselineScores.map((score) => score === 1)));
    } else {
      const own = bootstrapStatistic(n, (indices) => scorer.corpusValue(candidateOutputs, Array.from(indices)), bootstrap);
      const theirs = bootstrapStatistic(n, (indices) => scorer.corpusValue(baselineOutputs, Array.from(indices)), bootstrap);
      candidateQuality[metric.name] = { mean: own.estimate, ci: own.ci };
      baselineQuality[metric.name] = { mean: theirs.estimate, ci: theirs.ci };
      paired = pairedBootstrapCorpusDifference(
        n,
        (indices) => scorer.corpusValue(candidateOutputs, Array.from(indices)),
        (indices) => scorer.corpusValue(baselineOutputs, Array.from(indices)),
        bootstrap,
      );
    }
    difference[metric.name] = { mean: paired.estimate, ci: paired.ci };
    const decision = decideVerdict({ difference: { estimate: paired.estimate, ci: paired.ci }, margin: input.rubric.margin, n });
    comparisons.push({
      metric: metric.name,
      weight: entry.weight,
      binary: metric.binary,
      threshold: entry.threshold ?? null,
      difference: { mean: paired.estimate, ci: paired.ci },
      mcnemar,
      verdict: decision.verdict,
      itemsToDecide: decision.itemsToDecide,
      explanation: decision.explanation,
    });
    if (entry.threshold !== undefined && (candidateQuality[metric.name]?.mean ?? 0) < entry.threshold) {
      gateReasons.push(`${metric.name} ${candidateQuality[metric.name]!.mean.toFixed(3)} is below its threshold ${entry.threshold}`);
    }
  }
  const judged = await judgeAnswers(input, candidateOutputs, baselineOutputs);
  if (judged !== undefined) {
    for (const metric of judged.metrics) {
      if (metric.candidate !== null) candidateQuality[metric.metric] = metric.candidate;
      if (metric.baseline !== null) baselineQuality[metric.metric] = metric.baseline;
      if (metric.comparison !== null) {
        comparisons.push(metric.comparison);
        difference[metric.metric] = metric.comparison.difference;
      }
    }
    judged.itemScores.candidate.forEach((scores, index) => Object.assign(itemScores.candidate[index]!, scores));
    judged.itemScores.baseline.forEach((scores, index) => Object.assign(itemScores.baseline[index]!, scores));
    gateReasons.push(...judged.gateReasons);
  }
  const combined = combineVerdicts(comparisons.map((comparison) => ({ metric: comparison.metric, weight: comparison.weight, verdict: comparison.verdict })));
  if (combined.verdict !== 'WIN' && combined.verdict !== 'NON_INFERIOR') gateReasons.push(`quality verdict is ${combined.verdict}: ${combined.explanation}`);

  const side = (participant: EvalParticipant, answers: ChatResponse[], quality: EvalSide['quality']): EvalSide => {
    const { computeSeconds, ...cost } = sideCost(participant, answers, input.catalog);
    return {
      model: participant.provider.id,
      description: participant.description,
      quality,
      cost,
      latencyMs: { p50: quantile(answers.map((answer) => answer.latencyMs), 0.5), p95: quantile(answers.map((answer) => answer.latencyMs), 0.95) },
      usage: {
        promptTokens: answers.reduce((sum, answer) => sum + answer.usage.promptTokens, 0),
        completionTokens: answers.reduce((sum, answer) => sum + answer.usage.completionTokens, 0),
        cachedPromptTokens: answers.reduce((sum, answer) => sum + answer.usage.cachedPromptTokens, 0),
      },
      computeSeconds,
    };
  };
  const candidate = side(input.candidate, candidateAnswers, candidateQuality);
  const baseline = side(input.baseline, baselineAnswers, baselineQuality);
  const ratio = costRatio(candidate.cost.usdPer1kRequests, baseline.cost.usdPer1kRequests);
  if (ratio === null) gateReasons.push('the cost ratio is unknown: a price is missing (an unknown price is never taken as $0)');
  else if (ratio > input.rubric.cost.maxRatio) gateReasons.push(`the candidate costs ${ratio.toFixed(3)}× the baseline per request, above the target ${input.rubric.cost.maxRatio}`);

  const items: EvalItemRow[] = input.items.map((item, index) => ({
    id: item.id,
    prompt: item.messages.map((message) => `${message.role}: ${message.content}`).join('\n'),
    reference: item.reference,
    candidate: { output: candidateOutputs[index]!, scores: itemScores.candidate[index]!, latencyMs: candidateAnswers[index]!.latencyMs },
    baseline: { output: baselineOutputs[index]!, scores: itemScores.baseline[index]!, latencyMs: baselineAnswers[index]!.latencyMs },
  }));
  return {
    schemaVersion: 1,
    id: input.id,
    createdAt: new Date().toISOString(),
    verdict: combined.verdict,
    gate: { passed: gateReasons.length === 0, reasons: gateReasons },
    n,
    adapter: input.adapter,
    dataset: input.dataset,
    baselineSpec: input.baselineSpec,
    margin: input.rubric.margin,
    priceCatalogVersion: input.catalog.version,
    candidate,
    baseline,
    difference,
    metrics: comparisons,
    costRatio: ratio,
    trainingLoss: input.trainingLoss,
    items,
    ...(judged === undefined ? {} : { judge: judged.report }),
  };
}

/** The rubric's judge on both sides' answers, or undefined when the rubric has none. */
async function judgeAnswers(input: RunEvalInput, candidateOutputs: readonly string[], baselineOutputs: readonly string[]): Promise<JudgeOutcome | undefined> {
  const config = input.rubric.judge;
  if (config === undefined) return undefined;
  return runJudge({
    evalId: input.id,
    store: input.store,
    provider: input.judgeProvider ?? createJudgeProvider(config.provider, { cache: new ResponseCache(input.store), log: input.log }),
    config,
    items: input.items.map((item, index) => ({ ...item, candidate: candidateOutputs[index]!, baseline: baselineOutputs[index]! })),
    catalog: input.catalog,
    margin: input.rubric.margin,
    bootstrap: { resamples: input.rubric.bootstrap.resamples, seed: input.rubric.bootstrap.seed },
    signal: input.signal,
  });
}
