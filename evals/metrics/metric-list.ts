import { accuracy, macroF1 } from './classification.js';
import { exactMatch } from './exact-match.js';
import { jsonFields, jsonSchema, jsonValid } from './json-metrics.js';
import type { MetricDefinition } from './metric-contracts.js';
import { regexMatch } from './regex-match.js';
import { rougeL } from './rouge-l.js';
import { tokenF1 } from './token-f1.js';

/** Every metric a rubric may name. Adding a metric means adding it here; nothing registers itself on import. */
export const builtInMetrics: readonly MetricDefinition[] = [exactMatch, tokenF1, rougeL, accuracy, macroF1, jsonValid, jsonSchema, jsonFields, regexMatch];
