import * as tf from '@tensorflow/tfjs-core';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromDecoderParameters, randomHostWeights, toDecoderParameters } from '../../../adapters/model/decoder-parameters.js';
import { LlamaDecoder } from '../../../adapters/model/llama-decoder.js';
import { loadModelFolder } from '../../../adapters/model/model-folder.js';
import { writeSafetensors } from '../../../adapters/model/safetensors/safetensors-writer.js';
import { selectBackend } from '../../../adapters/model/tensor-backend.js';
import { singleRow, smallConfig, smallRawConfig } from './decoder-fixture.js';

let folder: string;

beforeAll(async () => {
  await selectBackend('cpu');
  folder = await mkdtemp(join(tmpdir(), 'lora-roundtrip-'));
});

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('saving and loading a model', () => {
  it('gives back exactly the weights and logits it saved', async () => {
    const rawConfig = smallRawConfig({ architectures: ['Qwen2ForCausalLM'] });
    const config = smallConfig(rawConfig);
    const original = new LlamaDecoder(config, toDecoderParameters(config, randomHostWeights(config, 21, 0.2)));
    const saved = await fromDecoderParameters(config, original.parameters);
    await writeFile(join(folder, 'config.json'), JSON.stringify(rawConfig));
    await writeSafetensors(join(folder, 'model.safetensors'), saved);

    const loaded = await loadModelFolder(folder, { expectTokenizer: false });
    expect([...loaded.weights.keys()].sort()).toEqual([...saved.keys()].sort());
    for (const [name, tensor] of saved) {
      expect(loaded.weights.get(name)?.shape, name).toEqual(tensor.shape);
      expect(Buffer.from(loaded.weights.get(name)!.data.buffer).equals(Buffer.from(tensor.data.buffer)), name).toBe(true);
    }
    const reloaded = new LlamaDecoder(loaded.config, toDecoderParameters(loaded.config, loaded.weights));
    const tokens = [3, 1, 4, 1, 5, 9, 2, 6];
    const before = original.forward(singleRow(tokens));
    const after = reloaded.forward(singleRow(tokens));
    expect(Array.from(await after.data())).toEqual(Array.from(await before.data()));
    tf.dispose([before, after]);
  });
});
