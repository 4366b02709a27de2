import { z } from 'zod';
import type { ValidationIssue } from '../../core/index.js';
import type { CorpusMetricDefinition, EvalItem, ItemMetricDefinition } from './metric-contracts.js';
import { normaliseAnswer } from './normalise-answer.js';

/** Every item needs a label that survives normalisation, or there is no class to compare with. */
function checkLabels(metricName: string) {
  return (items: readonly EvalItem[]): ValidationIssue[] =>
    items.flatMap((item, index): ValidationIssue[] => {
      if (item.label === undefined) {
        return [{ path: `items[${index}].label`, code: 'label-missing', message: `is missing on item "${item.id}"; ${metricName} compares the output with the label, so add "label" to every dataset record or use exact_match` }];
      }
      if (normaliseAnswer(item.label) === '') {
        return [{ path: `items[${index}].label`, code: 'label-empty', message: `must contain a word once punctuation and articles are removed, got ${JSON.stringify(item.label)} on item "${item.id}"` }];
      }
      return [];
    });
}

/** The class of an item: its normalised label. `checkItems` has made sure there is one. */
function classOf(item: EvalItem): string {
  return normaliseAnswer(item.label ?? '');
}

/** `accuracy`: 1 when the normalised output is the item's normalised label. */
export const accuracy: ItemMetricDefinition<Record<string, never>> = {
  name: 'accuracy',
  description: 'Output, normalised like exact_match, equals the item label.',
  kind: 'item',
  binary: true,
  optionsSchema: z.object({}).strict(),
  checkItems: checkLabels('accuracy'),
  scoreItem: (output, item) => (normaliseAnswer(output) === classOf(item) ? 1 : 0),
};

/**
 * Macro-averaged F1 over the classes present among the labels at `indices` (counted with repeats).
 * A prediction naming no such class is a miss for its item's class and a false positive for none.
 */
export function macroF1Score(outputs: readonly string[], items: readonly EvalItem[], indices: readonly number[]): number {
  const pairs = indices.map((index) => ({ expected: classOf(items[index]!), predicted: normaliseAnswer(outputs[index]!) }));
  const counts = new Map(pairs.map(({ expected }) => [expected, { truePositives: 0, falsePositives: 0, falseNegatives: 0 }]));
  for (const { expected, predicted } of pairs) {
    const expectedClass = counts.get(expected)!;
    if (predicted === expected) {
      expectedClass.truePositives += 1;
      continue;
    }
    expectedClass.falseNegatives += 1;
    const predictedClass = counts.get(predicted);
    if (predictedClass !== undefined) predictedClass.falsePositives += 1;
  }
  if (counts.size === 0) return 0;
  let total = 0;
  // Each class is present, so it has a true positive or a false negative and no denominator is 0.
  for (const { truePositives, falsePositives, falseNegatives } of counts.values()) {
    total += (2 * truePositives) / (2 * truePositives + falsePositives + falseNegatives);
  }
  return total / counts.size;
}

/** `macro_f1`: the unweighted mean of per-class F1, so rare classes weigh as much as common ones. */
export const macroF1: CorpusMetricDefinition<Record<string, never>> = {
  name: 'macro_f1',
  description: 'Mean over the labelled classes of per-class F1, predictions normalised like exact_match.',
  kind: 'corpus',
  binary: false,
  optionsSchema: z.object({}).strict(),
  checkItems: checkLabels('macro_f1'),
  scoreCorpus: (outputs, items, indices) => macroF1Score(outputs, items, indices),
};
