import { z } from 'zod';
import type { ItemMetricDefinition } from './metric-contracts.js';
import { answerTokens } from './normalise-answer.js';

/** How many tokens two bags share, counting repeats: "cat cat" and "cat" share one. */
function sharedTokenCount(left: readonly string[], right: readonly string[]): number {
  const remaining = new Map<string, number>();
  for (const token of right) remaining.set(token, (remaining.get(token) ?? 0) + 1);
  let shared = 0;
  for (const token of left) {
    const count = remaining.get(token) ?? 0;
    if (count > 0) {
      shared += 1;
      remaining.set(token, count - 1);
    }
  }
  return shared;
}

/**
 * SQuAD token F1 between a prediction and a reference, on normalised tokens.
 * When either side has no tokens, the score is 1 if both are empty and 0 otherwise, as SQuAD 2.0 scores no-answer items.
 */
export function tokenF1Score(prediction: string, reference: string): number {
  const predicted = answerTokens(prediction);
  const expected = answerTokens(reference);
  if (predicted.length === 0 || expected.length === 0) return predicted.length === expected.length ? 1 : 0;
  const shared = sharedTokenCount(predicted, expected);
  if (shared === 0) return 0;
  const precision = shared / predicted.length;
  const recall = shared / expected.length;
  return (2 * precision * recall) / (precision + recall);
}

/** `token_f1`: SQuAD token-overlap F1 between the output and the reference. */
export const tokenF1: ItemMetricDefinition<Record<string, never>> = {
  name: 'token_f1',
  description: 'Harmonic mean of token precision and recall against the reference, on SQuAD-normalised tokens.',
  kind: 'item',
  binary: false,
  optionsSchema: z.object({}).strict(),
  scoreItem: (output, item) => tokenF1Score(output, item.reference),
};
