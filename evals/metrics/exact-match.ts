import { z } from 'zod';
import type { ItemMetricDefinition } from './metric-contracts.js';
import { normaliseAnswer } from './normalise-answer.js';

/** `exact_match`: 1 when the output and the reference are equal after SQuAD normalisation, else 0. */
export const exactMatch: ItemMetricDefinition<Record<string, never>> = {
  name: 'exact_match',
  description: 'Output equals the reference after lowercasing and removing punctuation, articles and extra whitespace.',
  kind: 'item',
  binary: true,
  optionsSchema: z.object({}).strict(),
  scoreItem: (output, item) => (normaliseAnswer(output) === normaliseAnswer(item.reference) ? 1 : 0),
};
