import { LoraError, UsageError, formatIssues, fromZodIssues, type ValidationIssue } from '../../core/index.js';
import type { CorpusMetricDefinition, EvalItem, ItemMetricDefinition, MetricContext, MetricDefinition } from './metric-contracts.js';

/** An item metric bound to its items and validated options. */
export interface ItemMetricScorer {
  kind: 'item';
  metric: ItemMetricDefinition;
  /** One score in [0, 1] per output, in item order; the bootstrap resamples these. */
  scoreItems(outputs: readonly string[]): number[];
}

/** A corpus metric bound to its items and validated options. */
export interface CorpusMetricScorer {
  kind: 'corpus';
  metric: CorpusMetricDefinition;
  /** The metric over the items at `indices` (all items when absent); indices may repeat, as bootstrap resamples do. */
  corpusValue(outputs: readonly string[], indices?: readonly number[]): number;
}

/** A metric ready to score one eval set: per item, or over the set for corpus metrics. */
export type MetricScorer = ItemMetricScorer | CorpusMetricScorer;

/** How many item issues a message quotes; all of them stay on the error's `issues`. */
const quotedIssues = 5;

function describeIssues(subject: string, issues: readonly ValidationIssue[]): string {
  const shown = formatIssues(subject, issues.slice(0, quotedIssues));
  return issues.length > quotedIssues ? `${shown}\n... and ${issues.length - quotedIssues} more` : shown;
}

function parseOptions(metric: MetricDefinition, options: Record<string, unknown>): unknown {
  const parsed = metric.optionsSchema.safeParse(options);
  if (parsed.success) return parsed.data;
  const issues = fromZodIssues(parsed.error.issues, options);
  throw new UsageError(`invalid options for metric ${metric.name}:\n${describeIssues(`metric ${metric.name} options`, issues)}`, { code: 'metric-options-invalid', issues });
}

function assertOutputCount(metric: MetricDefinition, outputs: readonly string[], items: readonly EvalItem[]): void {
  if (outputs.length !== items.length) {
    throw new LoraError(`metric ${metric.name}: expected one output per eval item (${items.length}), got ${outputs.length}`, { code: 'metric-outputs-mismatch' });
  }
}

function assertIndices(metric: MetricDefinition, indices: readonly number[], itemCount: number): void {
  if (indices.length === 0) throw new LoraError(`metric ${metric.name}: expected at least one item index, got none`, { code: 'metric-indices-invalid' });
  const bad = indices.find((index) => !Number.isInteger(index) || index < 0 || index >= itemCount);
  if (bad !== undefined) {
    throw new LoraError(`metric ${metric.name}: item indices must be integers from 0 to ${itemCount - 1}, got ${bad}`, { code: 'metric-indices-invalid' });
  }
}

/**
 * Binds a metric to an eval set: validates its options and checks the items once, before any output is scored,
 * so a bad rubric or a dataset without labels fails before generation is paid for. Throws a UsageError with issues.
 * @example
 * const scorer = createMetricScorer(getMetric('exact_match'), { items, options: {} });
 * if (scorer.kind === 'item') scorer.scoreItems(outputs);
 */
export function createMetricScorer(metric: MetricDefinition, context: MetricContext): MetricScorer {
  const { items } = context;
  const options = parseOptions(metric, context.options);
  const issues = metric.checkItems?.(items, options) ?? [];
  if (issues.length > 0) {
    throw new UsageError(`eval items do not suit metric ${metric.name}:\n${describeIssues('eval set', issues)}`, { code: 'metric-items-invalid', issues });
  }
  if (metric.kind === 'item') {
    return {
      kind: 'item',
      metric,
      scoreItems(outputs) {
        assertOutputCount(metric, outputs, items);
        return outputs.map((output, index) => metric.scoreItem(output, items[index]!, options));
      },
    };
  }
  const allIndices = items.map((_item, index) => index);
  return {
    kind: 'corpus',
    metric,
    corpusValue(outputs, indices = allIndices) {
      assertOutputCount(metric, outputs, items);
      assertIndices(metric, indices, items.length);
      return metric.scoreCorpus(outputs, items, indices, options);
    },
  };
}
