import { copyFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { InputError } from '../../core/index.js';
import { linearModulePath, type HostTensor } from '../model/decoder-parameters.js';
import type { DecoderConfig } from '../model/model-config.js';
import { writeSafetensors } from '../model/safetensors/safetensors-writer.js';
import { loraScale, targetModules, type LoraSettings } from './lora-contracts.js';
import { checkAdapterTensors, normalisePeftTensorName, writeFolderAtomically } from './peft-folder.js';

/** `W + scale · B @ A` for one module, accumulated in float64 per output row and rounded once to float32. */
function mergedWeight(weight: HostTensor, a: HostTensor, b: HostTensor, scale: number): HostTensor {
  const [outFeatures, inFeatures] = weight.shape as [number, number];
  const rank = a.shape[0] as number;
  const merged = new Float32Array(weight.data.length);
  const row = new Float64Array(inFeatures);
  for (let out = 0; out < outFeatures; out += 1) {
    row.fill(0);
    for (let k = 0; k < rank; k += 1) {
      const factor = (b.data[out * rank + k] as number) * scale;
      if (factor === 0) continue;
      const offset = k * inFeatures;
      for (let column = 0; column < inFeatures; column += 1) row[column] = (row[column] as number) + factor * (a.data[offset + column] as number);
    }
    const base = out * inFeatures;
    for (let column = 0; column < inFeatures; column += 1) merged[base + column] = (weight.data[base + column] as number) + (row[column] as number);
  }
  return { shape: [...weight.shape], data: merged };
}

/**
 * The base weights with the adapter folded in, `W' = W + scale · B @ A` on every targeted module, so the result
 * runs without LoRA. The input maps are not changed; tensors the adapter does not touch are shared, not copied.
 * @example const merged = mergeAdapter(model.weights, model.config, folder.settings, folder.tensors)
 */
export function mergeAdapter(
  baseWeights: ReadonlyMap<string, HostTensor>,
  config: DecoderConfig,
  settings: LoraSettings,
  loraTensors: ReadonlyMap<string, HostTensor>,
): Map<string, HostTensor> {
  const adapter = new Map([...loraTensors].map(([name, tensor]) => [normalisePeftTensorName(name), tensor]));
  checkAdapterTensors(new Map([...adapter].map(([name, tensor]) => [name, tensor.shape])), config, settings, 'adapter to merge');
  const scale = loraScale(settings);
  const merged = new Map(baseWeights);
  for (let layer = 0; layer < config.numLayers; layer += 1) {
    for (const module of targetModules(settings)) {
      const path = linearModulePath(layer, module);
      const weight = baseWeights.get(`${path}.weight`);
      if (weight === undefined) {
        throw new InputError(`base weights lack "${path}.weight", which the adapter targets; pass the weights of the model the adapter was trained on`, {
          code: 'model-tensors-missing',
        });
      }
      const a = adapter.get(`base_model.model.${path}.lora_A.weight`) as HostTensor;
      const b = adapter.get(`base_model.model.${path}.lora_B.weight`) as HostTensor;
      merged.set(`${path}.weight`, mergedWeight(weight, a, b, scale));
    }
  }
  return merged;
}

/** Files copied from the base folder beside the merged weights; only config.json must exist. */
const copiedFiles = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'generation_config.json'] as const;

async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Writes a merged model as a Hugging Face folder: `model.safetensors` (float32) plus the base folder's config,
 * tokenizer and generation files. The folder appears whole or not at all.
 * @example await writeMergedFolder('out/merged', '/models/SmolLM2-135M', mergeAdapter(...))
 */
export async function writeMergedFolder(dir: string, baseFolder: string, merged: ReadonlyMap<string, HostTensor>, options: { replace?: boolean } = {}): Promise<void> {
  if (!(await exists(join(baseFolder, 'config.json')))) {
    throw new InputError(`${baseFolder} has no config.json; point at the base model folder the adapter was merged into`, { code: 'model-folder-invalid' });
  }
  await writeFolderAtomically(
    dir,
    async (scratch) => {
      await writeSafetensors(join(scratch, 'model.safetensors'), merged, { format: 'pt' });
      for (const name of copiedFiles) {
        if (await exists(join(baseFolder, name))) await copyFile(join(baseFolder, name), join(scratch, name));
      }
    },
    options.replace ?? false,
  );
}
