/**
 * Epochs for `epochs: auto`, following the rule OpenAI documents for its fine-tuning:
 * 3 epochs, raised so that tiny sets are seen about 100 times in all (at most 25 epochs),
 * lowered so that huge sets are not seen more than about 25,000 times.
 */
export function autoEpochs(examples: number): number {
  const defaultEpochs = 3;
  const minTargetExamples = 100;
  const maxTargetExamples = 25_000;
  const maxEpochs = 25;
  if (examples <= 0) return defaultEpochs;
  if (examples * defaultEpochs < minTargetExamples) return Math.min(maxEpochs, Math.ceil(minTargetExamples / examples));
  if (examples * defaultEpochs > maxTargetExamples) return Math.max(1, Math.floor(maxTargetExamples / examples));
  return defaultEpochs;
}
