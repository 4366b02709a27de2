/** How the next token is chosen from a row of logits. */
export interface SamplingOptions {
  /** 0 picks the most likely token (greedy); higher values flatten the distribution. */
  temperature: number;
  /** Nucleus sampling: keep the smallest set of tokens whose probability reaches `topP`. */
  topP: number;
}

/** Index of the largest logit; ties go to the lowest index so greedy decoding is deterministic. */
export function argmax(logits: ArrayLike<number>): number {
  let best = 0;
  let bestValue = -Infinity;
  for (let index = 0; index < logits.length; index += 1) {
    const value = logits[index] as number;
    if (value > bestValue) {
      bestValue = value;
      best = index;
    }
  }
  return best;
}

/**
 * Picks the next token from one row of logits: greedy at temperature 0, otherwise a draw from the
 * tempered softmax restricted to the top-p nucleus, using `random` (a seeded generator in [0, 1)).
 */
export function sampleToken(logits: ArrayLike<number>, options: SamplingOptions, random: () => number): number {
  if (options.temperature <= 0) return argmax(logits);
  const size = logits.length;
  let maximum = -Infinity;
  for (let index = 0; index < size; index += 1) maximum = Math.max(maximum, logits[index] as number);
  const weights = new Float64Array(size);
  let total = 0;
  for (let index = 0; index < size; index += 1) {
    const weight = Math.exp(((logits[index] as number) - maximum) / options.temperature);
    weights[index] = weight;
    total += weight;
  }
  const order = Array.from({ length: size }, (_, index) => index).sort((left, right) => (weights[right] as number) - (weights[left] as number) || left - right);
  let kept = 0;
  let mass = 0;
  while (kept < size && (kept === 0 || mass / total < options.topP)) {
    mass += weights[order[kept] as number] as number;
    kept += 1;
  }
  let target = random() * mass;
  for (let rank = 0; rank < kept; rank += 1) {
    const token = order[rank] as number;
    target -= weights[token] as number;
    if (target <= 0) return token;
  }
  return order[kept - 1] as number;
}
