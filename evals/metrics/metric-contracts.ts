import type { z } from 'zod';
import type { ValidationIssue } from '../../core/index.js';

/** One eval item as metrics see it: the dataset record's assistant message and, for classification, its label. */
export interface EvalItem {
  id: string;
  reference: string;
  label?: string;
}

/** What a metric is evaluated over: the eval items and the metric's raw options from the rubric. */
export interface MetricContext {
  items: readonly EvalItem[];
  options: Record<string, unknown>;
}

/** What every metric declares, whatever its kind. `Options` is what `optionsSchema` parses the rubric's options into. */
interface MetricBase<Options> {
  /** The name a rubric uses, snake_case: `exact_match`. */
  name: string;
  description: string;
  /** Pass/fail per item (scores are exactly 0 or 1), so McNemar's test applies. */
  binary: boolean;
  /** Validates the rubric's options once, before any scoring; may compile them (a regex, a JSON schema). */
  optionsSchema: z.ZodType<Options>;
  /**
   * Problems with the items that would make the metric meaningless (a classification item without a label),
   * found before any output is generated. Each issue's path points into the items: `items[3].label`.
   */
  checkItems?(items: readonly EvalItem[], options: Options): ValidationIssue[];
}

/** A metric that scores each output on its own, in [0, 1]; the set's value is the mean. */
export interface ItemMetricDefinition<Options = unknown> extends MetricBase<Options> {
  kind: 'item';
  // Declared as a method so that definitions with different options fit in one list.
  scoreItem(output: string, item: EvalItem, options: Options): number;
}

/** A metric defined only over a set of items (macro-F1); there is no per-item score. */
export interface CorpusMetricDefinition<Options = unknown> extends MetricBase<Options> {
  kind: 'corpus';
  binary: false;
  /** The value over the items at `indices`, which may repeat (the bootstrap resamples with replacement). */
  scoreCorpus(outputs: readonly string[], items: readonly EvalItem[], indices: readonly number[], options: Options): number;
}

/** Per-item metrics give each output a score in [0, 1]; corpus metrics (macro-F1) need the whole set. */
export type MetricDefinition<Options = unknown> = ItemMetricDefinition<Options> | CorpusMetricDefinition<Options>;
