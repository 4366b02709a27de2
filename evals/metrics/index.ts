// Metrics that score model outputs against eval items: contracts, the built-in metrics, their registry and scorer.
// The per-family helpers (LCS, option schemas) are exported for tests and reports that show how a score came about.
export type { EvalItem, MetricContext, MetricDefinition, ItemMetricDefinition, CorpusMetricDefinition } from './metric-contracts.js';
export { normaliseAnswer, answerTokens } from './normalise-answer.js';
export { exactMatch } from './exact-match.js';
export { tokenF1, tokenF1Score } from './token-f1.js';
export { rougeL, rougeLScore, rougeLOptions, longestCommonSubsequence, type RougeLOptions } from './rouge-l.js';
export { accuracy, macroF1, macroF1Score } from './classification.js';
export {
  jsonValid,
  jsonSchema,
  jsonFields,
  jsonFieldsScore,
  jsonSchemaOptions,
  jsonFieldsOptions,
  parseJsonOutput,
  type ParsedJson,
  type JsonSchemaOptions,
  type JsonFieldsOptions,
} from './json-metrics.js';
export { regexMatch, regexMatchOptions, type RegexMatchOptions } from './regex-match.js';
export { builtInMetrics } from './metric-list.js';
export { MetricRegistry, metricRegistry, getMetric } from './metric-registry.js';
export { createMetricScorer, type MetricScorer, type ItemMetricScorer, type CorpusMetricScorer } from './metric-scorer.js';
