import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { LanguageModel } from '../../../adapters/model/language-model.js';
import { selectBackend } from '../../../adapters/model/tensor-backend.js';
import { compareLoraStarts } from '../../../adapters/tiny-model/lora-comparison.js';
import { tinyModelConfig, tinyModelFolder } from '../../../adapters/tiny-model/tiny-model-config.js';
import { createLogger } from '../../../core/index.js';

const log = createLogger({ level: 'silent' });

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('the built-in tiny model', () => {
  it('is a complete Hugging Face folder of at most 20 MB with a model card', async () => {
    const weights = await stat(join(tinyModelFolder, 'model.safetensors'));
    expect(weights.size).toBeLessThanOrEqual(20 * 1024 * 1024);
    expect(JSON.parse(await readFile(join(tinyModelFolder, 'config.json'), 'utf8'))).toEqual(tinyModelConfig);
    const card = await readFile(join(tinyModelFolder, 'README.md'), 'utf8');
    for (const section of ['## Data', '## Training', '## A better start than random weights', 'npm run pretrain:tiny']) expect(card).toContain(section);
  });

  it('answers a chat prompt through its template and stops at the end of its turn', async () => {
    const model = await LanguageModel.load(tinyModelFolder, { name: 'builtin:tiny', backend: 'wasm', log });
    const [result] = await model.chat(
      [[{ role: 'system', content: 'Classify the sentiment of the review. Reply with positive, negative or neutral.' }, { role: 'user', content: 'The delivery was fast and the chair is great. I love it.' }]],
      { maxTokens: 16 },
    );
    expect(result!.finishReason).toBe('stop');
    expect(result!.text.length).toBeGreaterThan(0);
    expect(result!.usage.prompt_tokens).toBeGreaterThan(10);
    model.dispose();
  });

  it('is a better start than random weights: the same LoRA fine-tune reaches a lower validation loss from it', async () => {
    const comparison = await compareLoraStarts({ modelFolder: tinyModelFolder, steps: 10, seed: 3, log });
    expect(comparison.pretrained.after).toBeLessThan(comparison.random.after);
    expect(comparison.pretrained.after).toBeLessThan(comparison.pretrained.before);
  }, 180_000);
});
