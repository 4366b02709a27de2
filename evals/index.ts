// Evaluation of adapters against a baseline: the `eval` stage, the evaluator and its parts.
export { evalStage, createEvalStage, type EvalStageOptions } from './eval-stage.js';
export { evalParams, evalResult, verdicts, type EvalParams, type EvalResult } from './eval-contracts.js';
export { rubric, rubricMetric, type Rubric } from './rubric.js';
export { evaluateAdapter, reportKeys, type AdapterUnderTest, type EvaluateAdapterOptions } from './evaluate-adapter.js';
export { runEval, evalId, type RunEvalInput, type EvalInputItem, type EvalParticipant, type CostBasis } from './run-eval.js';
export { evalReport, type EvalReport, type EvalSide, type MetricComparison } from './report/eval-report.js';
export { renderReportHtml } from './report/report-html.js';
export { renderReportMarkdown } from './report/report-markdown.js';
export * from './metrics/index.js';
export * from './statistics/index.js';
export * from './pricing/index.js';
export * from './providers/index.js';
export * from './judge/index.js';
