import * as tf from '@tensorflow/tfjs-core';

/**
 * Scales every gradient by `maxNorm / globalNorm` when their joint L2 norm exceeds `maxNorm`,
 * as `torch.nn.utils.clip_grad_norm_` does. Returns the clipped gradients and the norm before clipping.
 */
export function clipByGlobalNorm(gradients: tf.NamedTensorMap, maxNorm: number): { gradients: tf.NamedTensorMap; norm: number } {
  const names = Object.keys(gradients);
  const norm = tf.tidy(() => Math.sqrt(tf.addN(names.map((name) => tf.sum(tf.square(gradients[name] as tf.Tensor)))).dataSync()[0] as number));
  if (!Number.isFinite(norm) || norm <= maxNorm || maxNorm <= 0) return { gradients, norm };
  const factor = maxNorm / (norm + 1e-6);
  const clipped: tf.NamedTensorMap = {};
  for (const name of names) {
    clipped[name] = tf.mul(gradients[name] as tf.Tensor, factor);
    (gradients[name] as tf.Tensor).dispose();
  }
  return { gradients: clipped, norm };
}
