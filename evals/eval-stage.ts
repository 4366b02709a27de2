import type { StageContext, StageDefinition } from '../core/index.js';
import type { TrainResult } from '../adapters/index.js';
import { evalParams, evalResult, type EvalParams, type EvalResult } from './eval-contracts.js';

/**
 * The eval stage, first version: with no adapter to evaluate it records the verdict NOT_EVALUATED
 * and why. Scoring against a baseline comes with the evaluation issue.
 */
async function evaluate(input: { params: EvalParams; previous: TrainResult }, context: StageContext): Promise<EvalResult> {
  const { params, previous } = input;
  const reason = previous.adapter === null ? 'not evaluated: the train stage produced no adapter' : 'not evaluated: the evaluator is not built yet';
  context.log.info({ baseline: params.baseline }, reason);
  await context.progress({ fraction: 1, message: 'not evaluated' });
  return { schemaVersion: 1, verdict: 'NOT_EVALUATED', reason, baseline: params.baseline, datasetVersion: previous.datasetVersion, reportKey: null };
}

/** The `eval` stage. */
export const evalStage: StageDefinition<EvalParams, TrainResult, EvalResult> = {
  name: 'eval',
  params: evalParams,
  result: evalResult,
  process: evaluate,
};
