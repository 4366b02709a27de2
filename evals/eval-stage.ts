import type { StageContext, StageDefinition } from '../core/index.js';
import type { BackendPreference, TrainResult } from '../adapters/index.js';
import { datasetManifest } from '../datasets/index.js';
import { evalParams, evalResult, type EvalParams, type EvalResult } from './eval-contracts.js';
import { evaluateAdapter } from './evaluate-adapter.js';

/** Where the eval stage finds models and which backend runs the candidate. */
export interface EvalStageOptions {
  backend: BackendPreference;
  cacheDir: string;
  /** Named OpenAI-compatible baselines from config. */
  providers?: Record<string, { baseUrl: string; apiKeyEnv?: string; model?: string }>;
}

/** Runs the same evaluation as `lora evals run` on the adapter the train stage produced. */
async function evaluate(input: { runId: string; params: EvalParams; previous: TrainResult }, context: StageContext, options: EvalStageOptions): Promise<EvalResult> {
  const { params, previous } = input;
  const manifest = datasetManifest.parse(await context.store.readJson(previous.datasetManifestKey));
  const reference = previous.registered?.reference ?? `${input.runId}/adapter`;
  const { report, keys } = await evaluateAdapter({
    store: context.store,
    adapter: {
      reference,
      artifactKey: previous.adapter.prefix,
      artifactSha256: previous.adapter.sha256,
      baseModel: previous.baseModel.name,
      trainingLoss: { trainLoss: previous.metrics.trainLoss, validationLoss: previous.metrics.validationLoss },
    },
    dataset: manifest,
    baselineSpec: params.baseline,
    rubric: params.rubric,
    fewShot: params.fewShot,
    backend: options.backend,
    cacheDir: options.cacheDir,
    providers: options.providers,
    log: context.log,
    signal: context.signal,
    onProgress: (done, total) => void context.progress({ fraction: done / total, message: `${done}/${total} answers` }).catch(() => undefined),
  });
  const reason = report.gate.passed ? `${report.verdict}; gate passed` : `${report.verdict}; gate not passed: ${report.gate.reasons.join('; ')}`;
  context.log.info({ verdict: report.verdict, gate: report.gate, reportId: report.id }, `eval ${report.id}: ${reason}`);
  const firstMetric = report.metrics[0]?.metric;
  await context.progress({ fraction: 1, message: `${report.verdict} ${firstMetric ?? ''} ${firstMetric ? report.candidate.quality[firstMetric]!.mean.toFixed(3) : ''}`.trim() });
  const means = (quality: Record<string, { mean: number }>) => Object.fromEntries(Object.entries(quality).map(([name, value]) => [name, value.mean]));
  return {
    schemaVersion: 2,
    verdict: report.verdict,
    gatePassed: report.gate.passed,
    reason,
    baseline: params.baseline,
    datasetVersion: previous.datasetVersion,
    adapter: previous.registered?.reference ?? null,
    reportId: report.id,
    reportKey: keys.json,
    htmlKey: keys.html,
    summary: {
      n: report.n,
      candidate: means(report.candidate.quality),
      baseline: means(report.baseline.quality),
      candidateUsdPer1kRequests: report.candidate.cost.usdPer1kRequests,
      baselineUsdPer1kRequests: report.baseline.cost.usdPer1kRequests,
      costRatio: report.costRatio,
    },
  };
}

/** The `eval` stage, with the worker's backend and model cache. */
export function createEvalStage(options: EvalStageOptions): StageDefinition<EvalParams, TrainResult, EvalResult> {
  return { name: 'eval', params: evalParams, result: evalResult, process: (input, context) => evaluate(input, context, options) };
}

/** The `eval` stage with the embedded defaults. */
export const evalStage = createEvalStage({ backend: 'auto', cacheDir: '.lora/cache/models' });
