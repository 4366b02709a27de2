import * as tf from '@tensorflow/tfjs-core';
import { SeededRandom } from '../../core/index.js';
import { customGradient } from '../model/custom-gradient.js';
import { linearModulePath, type HostTensor } from '../model/decoder-parameters.js';
import type { LinearAdapter } from '../model/llama-decoder.js';
import { linearModuleShape, type DecoderConfig, type LinearModuleName } from '../model/model-config.js';
import { loraScale, targetModules, type LoraSettings } from './lora-contracts.js';

// tfjs variable names are global to the process; each adapter gets its own prefix.
let adapterInstances = 0;

/** One module's low-rank pair, stored transposed for 2-D matmuls: A^T `[in, r]`, B^T `[r, out]`. */
interface LoraPair {
  aT: tf.Variable;
  bT: tf.Variable;
}

/**
 * A LoRA adapter with PEFT semantics: `y += scale · B(A(dropout(x)))` on each targeted module,
 * A Kaiming-uniform and B zero at start, so a fresh adapter changes nothing. Only A and B are
 * variables; the base model stays frozen.
 */
export class LoraAdapter implements LinearAdapter {
  readonly scale: number;
  private readonly pairs = new Map<string, LoraPair>();
  private readonly prefix = `lora${(adapterInstances += 1)}.`;
  /** Set during training: dropout applies and uses this step's seed. */
  private dropoutStep: number | undefined;

  constructor(
    readonly config: DecoderConfig,
    readonly settings: LoraSettings,
    seed: number,
    initial?: Map<string, HostTensor>,
  ) {
    this.scale = loraScale(settings);
    const random = new SeededRandom(seed);
    for (let layer = 0; layer < config.numLayers; layer += 1) {
      for (const module of targetModules(settings)) {
        const { inFeatures, outFeatures } = linearModuleShape(config, module);
        const key = `${layer}.${module}`;
        const path = `base_model.model.${linearModulePath(layer, module)}`;
        const a = initial?.get(`${path}.lora_A.weight`)?.data ?? kaimingUniform(settings.r * inFeatures, inFeatures, random);
        const b = initial?.get(`${path}.lora_B.weight`)?.data ?? new Float32Array(outFeatures * settings.r);
        this.pairs.set(key, {
          aT: tf.variable(tf.tidy(() => tf.transpose(tf.tensor2d(a, [settings.r, inFeatures]))), true, `${this.prefix}${key}.A`),
          bT: tf.variable(tf.tidy(() => tf.transpose(tf.tensor2d(b, [outFeatures, settings.r]))), true, `${this.prefix}${key}.B`),
        });
      }
    }
  }

  /** Every trainable variable, in a stable order. */
  variables(): tf.Variable[] {
    return [...this.pairs.values()].flatMap((pair) => [pair.aT, pair.bT]);
  }

  /** A variable's name without this adapter's process-local prefix, e.g. `3.q_proj.A`: the same in every process. */
  stableName(variable: tf.Variable): string {
    return variable.name.startsWith(this.prefix) ? variable.name.slice(this.prefix.length) : variable.name;
  }

  /** Replaces the weights with saved PEFT tensors (a checkpoint or the best weights so far). */
  loadTensors(tensors: Map<string, HostTensor>): void {
    for (const [key, pair] of this.pairs) {
      const [layer, module] = key.split('.') as [string, LinearModuleName];
      const path = `base_model.model.${linearModulePath(Number(layer), module)}`;
      const a = tensors.get(`${path}.lora_A.weight`);
      const b = tensors.get(`${path}.lora_B.weight`);
      if (a === undefined || b === undefined) throw new Error(`adapter tensors for ${path} are missing`);
      tf.tidy(() => {
        pair.aT.assign(tf.transpose(tf.tensor2d(a.data, a.shape as [number, number])));
        pair.bT.assign(tf.transpose(tf.tensor2d(b.data, b.shape as [number, number])));
      });
    }
  }

  /** Turns dropout on for one training step (a seed per step keeps runs repeatable), or off with undefined. */
  setTrainingStep(step: number | undefined): void {
    this.dropoutStep = step;
  }

  delta(layer: number, module: LinearModuleName, x: tf.Tensor2D): tf.Tensor2D | undefined {
    const pair = this.pairs.get(`${layer}.${module}`);
    if (pair === undefined) return undefined;
    const input = this.dropoutStep === undefined || this.settings.lora_dropout === 0 ? x : this.dropout(x, layer, module);
    return tf.mul(lowRankProduct(input, pair.aT, pair.bT), this.scale) as tf.Tensor2D;
  }

  /** The adapter's tensors under PEFT's names, A `[r, in]` and B `[out, r]`. */
  async exportTensors(): Promise<Map<string, HostTensor>> {
    const tensors = new Map<string, HostTensor>();
    for (const [key, pair] of this.pairs) {
      const [layer, module] = key.split('.') as [string, LinearModuleName];
      const path = `base_model.model.${linearModulePath(Number(layer), module)}`;
      for (const [suffix, variable] of [['lora_A', pair.aT], ['lora_B', pair.bT]] as const) {
        const oriented = tf.transpose(variable);
        tensors.set(`${path}.${suffix}.weight`, { shape: oriented.shape, data: (await oriented.data()) as Float32Array });
        oriented.dispose();
      }
    }
    return tensors;
  }

  /** Frees every variable. */
  dispose(): void {
    for (const variable of this.variables()) variable.dispose();
    this.pairs.clear();
  }

  private dropout(x: tf.Tensor2D, layer: number, module: LinearModuleName): tf.Tensor2D {
    const rate = this.settings.lora_dropout;
    const random = new SeededRandom(((this.dropoutStep ?? 0) * 131 + layer) * 17 + module.length * 7 + module.charCodeAt(0));
    const mask = new Float32Array(x.size);
    for (let index = 0; index < mask.length; index += 1) mask[index] = random.next() < rate ? 0 : 1 / (1 - rate);
    return tf.mul(x, tf.tensor2d(mask, x.shape));
  }
}

// PEFT's `kaiming_uniform_(a=sqrt(5))`: bound = sqrt(6 / ((1 + 5) · fan_in)) = 1 / sqrt(fan_in).
function kaimingUniform(size: number, fanIn: number, random: SeededRandom): Float32Array {
  const bound = 1 / Math.sqrt(fanIn);
  const values = new Float32Array(size);
  for (let index = 0; index < size; index += 1) values[index] = (random.next() * 2 - 1) * bound;
  return values;
}

/** `(x @ A^T) @ B^T` with every gradient computed as an untransposed 2-D matmul. */
function lowRankProduct(x: tf.Tensor2D, aT: tf.Tensor, bT: tf.Tensor): tf.Tensor2D {
  const product = customGradient(([input, down, up], save) => {
    const hidden = tf.matMul(input as tf.Tensor2D, down as tf.Tensor2D);
    save([input as tf.Tensor, down as tf.Tensor, up as tf.Tensor, hidden]);
    return {
      value: tf.matMul(hidden, up as tf.Tensor2D),
      gradFunc: (dy, saved) => {
        const [savedInput, savedDown, savedUp, savedHidden] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const dHidden = tf.matMul(dy as tf.Tensor2D, tf.transpose(savedUp));
        return [
          tf.matMul(dHidden, tf.transpose(savedDown)),
          tf.matMul(tf.transpose(savedInput), dHidden),
          tf.matMul(tf.transpose(savedHidden), dy as tf.Tensor2D),
        ];
      },
    };
  });
  return product(x, aT, bT) as tf.Tensor2D;
}
