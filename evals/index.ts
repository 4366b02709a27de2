// Evaluation of adapters against a baseline: the `eval` stage and its contracts.
export { evalStage } from './eval-stage.js';
export { evalParams, evalResult, verdicts, type EvalParams, type EvalResult } from './eval-contracts.js';
