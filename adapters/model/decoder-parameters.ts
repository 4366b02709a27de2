import * as tf from '@tensorflow/tfjs-core';
import type { LinearParameters } from './linear.js';
import { expectedTensors, linearModuleNames, type DecoderConfig, type LinearModuleName } from './model-config.js';

/** A tensor in host memory, shaped as in its checkpoint. */
export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

/** One decoder layer's parameters. Linear weights are stored transposed, `[in, out]`. */
export interface LayerParameters {
  inputNorm: tf.Tensor1D;
  postNorm: tf.Tensor1D;
  linears: Record<LinearModuleName, LinearParameters>;
}

/** Every parameter of a decoder, on the active backend. */
export interface DecoderParameters {
  embed: tf.Tensor2D;
  layers: LayerParameters[];
  norm: tf.Tensor1D;
  /** `[hidden, vocab]`; for tied embeddings the transpose of `embed`, made once for inference. */
  lmHeadT?: tf.Tensor2D;
  /** True when the parameters are variables that train (pretraining); LoRA training keeps them frozen. */
  trainable: boolean;
}

const mlpModules: ReadonlySet<LinearModuleName> = new Set(['gate_proj', 'up_proj', 'down_proj']);

function moduleGroup(name: LinearModuleName): 'self_attn' | 'mlp' {
  return mlpModules.has(name) ? 'mlp' : 'self_attn';
}

/** The Hugging Face name of a layer's linear module, e.g. `model.layers.3.self_attn.q_proj`. */
export function linearModulePath(layer: number, name: LinearModuleName): string {
  return `model.layers.${layer}.${moduleGroup(name)}.${name}`;
}

function take(weights: Map<string, HostTensor>, name: string): HostTensor {
  const tensor = weights.get(name);
  if (tensor === undefined) throw new Error(`checkpoint tensor "${name}" is missing`);
  return tensor;
}

/**
 * Moves checkpoint tensors onto the backend, transposing linear weights to `[in, out]`.
 * With `trainable`, every parameter becomes a `tf.Variable` (for pretraining from scratch).
 */
export function toDecoderParameters(config: DecoderConfig, weights: Map<string, HostTensor>, options: { trainable?: boolean } = {}): DecoderParameters {
  const trainable = options.trainable ?? false;
  const hold = <T extends tf.Tensor>(tensor: T): T => (trainable ? (tf.variable(tensor) as unknown as T) : tensor);
  return tf.tidy(() => {
    const matrix = (name: string): tf.Tensor2D => {
      const host = take(weights, name);
      return tf.tensor2d(host.data, host.shape as [number, number]);
    };
    const vector = (name: string): tf.Tensor1D => tf.tensor1d(take(weights, name).data);
    const layers: LayerParameters[] = [];
    for (let layer = 0; layer < config.numLayers; layer += 1) {
      const linears = {} as Record<LinearModuleName, LinearParameters>;
      for (const name of linearModuleNames) {
        const path = linearModulePath(layer, name);
        const parameters: LinearParameters = { weightT: hold(tf.transpose(matrix(`${path}.weight`))) };
        if (config.attentionBias && (name === 'q_proj' || name === 'k_proj' || name === 'v_proj')) {
          parameters.bias = hold(vector(`${path}.bias`));
        }
        linears[name] = parameters;
      }
      layers.push({
        inputNorm: hold(vector(`model.layers.${layer}.input_layernorm.weight`)),
        postNorm: hold(vector(`model.layers.${layer}.post_attention_layernorm.weight`)),
        linears,
      });
    }
    const embed = hold(matrix('model.embed_tokens.weight'));
    const lmHeadT = config.tieWordEmbeddings ? (trainable ? undefined : tf.transpose(embed)) : hold(tf.transpose(matrix('lm_head.weight')));
    const result: DecoderParameters = { embed, layers, norm: hold(vector('model.norm.weight')), lmHeadT, trainable };
    return result as unknown as tf.TensorContainer;
  }) as unknown as DecoderParameters;
}

/** Every tensor of the parameters, under its Hugging Face name and in checkpoint orientation. */
export async function fromDecoderParameters(config: DecoderConfig, parameters: DecoderParameters): Promise<Map<string, HostTensor>> {
  const named = new Map<string, tf.Tensor>();
  named.set('model.embed_tokens.weight', parameters.embed);
  parameters.layers.forEach((layer, index) => {
    named.set(`model.layers.${index}.input_layernorm.weight`, layer.inputNorm);
    named.set(`model.layers.${index}.post_attention_layernorm.weight`, layer.postNorm);
    for (const name of linearModuleNames) {
      const path = linearModulePath(index, name);
      const linear = layer.linears[name];
      named.set(`${path}.weight`, linear.weightT);
      if (linear.bias !== undefined) named.set(`${path}.bias`, linear.bias);
    }
  });
  named.set('model.norm.weight', parameters.norm);
  if (!config.tieWordEmbeddings && parameters.lmHeadT !== undefined) named.set('lm_head.weight', parameters.lmHeadT);
  const result = new Map<string, HostTensor>();
  for (const [name, tensor] of named) {
    const transposed = name.endsWith('.weight') && tensor.rank === 2 && name !== 'model.embed_tokens.weight';
    const oriented = transposed ? tf.transpose(tensor) : tensor;
    result.set(name, { shape: oriented.shape, data: (await oriented.data()) as Float32Array });
    if (oriented !== tensor) oriented.dispose();
  }
  return result;
}

/**
 * Random weights for a config, as a freshly initialised Hugging Face model has them: normal with
 * std `initStd` for matrices, ones for norms, zeros for biases. Seeded, identical on every backend.
 */
export function randomHostWeights(config: DecoderConfig, seed: number, initStd = 0.02): Map<string, HostTensor> {
  const weights = new Map<string, HostTensor>();
  let index = 0;
  for (const [name, shape] of expectedTensors(config)) {
    index += 1;
    const size = shape.reduce((product, dimension) => product * dimension, 1);
    let data: Float32Array;
    if (name.endsWith('norm.weight')) data = new Float32Array(size).fill(1);
    else if (name.endsWith('.bias')) data = new Float32Array(size);
    else {
      // dataSync outside tidy: tidy walks its result, and a typed array of millions of values overflows its Set.
      const tensor = tf.randomNormal([size], 0, initStd, 'float32', seed * 1000 + index);
      data = tensor.dataSync() as Float32Array;
      tensor.dispose();
    }
    weights.set(name, { shape, data });
  }
  return weights;
}

/** Every parameter tensor; with `backwardCopies`, also the untransposed copies the backward pass made. */
function parameterTensors(parameters: DecoderParameters, backwardCopies: boolean): tf.Tensor[] {
  const tensors: tf.Tensor[] = [parameters.embed, parameters.norm];
  if (parameters.lmHeadT !== undefined) tensors.push(parameters.lmHeadT);
  for (const layer of parameters.layers) {
    tensors.push(layer.inputNorm, layer.postNorm);
    for (const linear of Object.values(layer.linears)) {
      tensors.push(linear.weightT);
      if (linear.bias !== undefined) tensors.push(linear.bias);
      if (backwardCopies && linear.weight !== undefined) tensors.push(linear.weight);
    }
  }
  return tensors;
}

/** The parameters as variables, for training a decoder from scratch; empty unless it was made `trainable`. */
export function decoderVariables(parameters: DecoderParameters): tf.Variable[] {
  return parameters.trainable ? (parameterTensors(parameters, false) as tf.Variable[]) : [];
}

/** Frees the parameters' backend memory. */
export function disposeDecoderParameters(parameters: DecoderParameters): void {
  for (const tensor of parameterTensors(parameters, true)) tensor.dispose();
}
