import { createReadStream } from 'node:fs';
import { defaultReaderOptions, readRecords } from '../../datasets/index.js';
import type { Logger } from '../../core/index.js';
import { sha256Hex } from '../../core/index.js';
import { encodeChatExample } from '../lora/chat-encoding.js';
import { LoraAdapter } from '../lora/lora-adapter.js';
import { evaluateLoss, trainStep } from '../lora/lora-steps.js';
import { AdamW, learningRateAt } from '../model/adamw.js';
import type { ChatMessage } from '../model/chat-template.js';
import { randomHostWeights, toDecoderParameters, disposeDecoderParameters } from '../model/decoder-parameters.js';
import { LanguageModel } from '../model/language-model.js';
import { LlamaDecoder } from '../model/llama-decoder.js';
import { packExamples, type PackedRow, type TokenizedExample } from '../model/sequence-packing.js';

/** The LoRA fine-tune used to judge a base model as a starting point: the demo's settings. */
export const comparisonLora = { r: 8, lora_alpha: 16, lora_dropout: 0.05, target_modules: ['q_proj', 'v_proj'], use_rslora: false, bias: 'none' } as const;

/** Validation loss after the same LoRA fine-tune from two starting points. */
export interface LoraStartComparison {
  dataset: string;
  trainExamples: number;
  validationExamples: number;
  steps: number;
  batchSize: number;
  learningRate: number;
  lora: typeof comparisonLora;
  pretrained: { before: number; after: number };
  random: { before: number; after: number };
}

/** Reads the valid records of a dataset file (the sample has deliberately broken lines) and splits them 80/20 by a hash of the record. */
async function readSplit(path: string, encode: (messages: ChatMessage[]) => TokenizedExample): Promise<{ train: TokenizedExample[]; validation: TokenizedExample[] }> {
  const train: TokenizedExample[] = [];
  const validation: TokenizedExample[] = [];
  for await (const outcome of readRecords(createReadStream(path), { ...defaultReaderOptions, format: 'auto', fileName: path })) {
    if (!('record' in outcome)) continue;
    const messages = outcome.record.messages.map((message) => ({ role: message.role, content: message.content }));
    const bucket = Number.parseInt(sha256Hex(JSON.stringify(messages)).slice(0, 8), 16) % 5;
    (bucket === 0 ? validation : train).push(encode(messages));
  }
  return { train, validation };
}

async function fineTune(decoder: LlamaDecoder, train: PackedRow[], validation: PackedRow[], settings: { steps: number; batchSize: number; learningRate: number; seed: number }) {
  const adapter = new LoraAdapter(decoder.config, { ...comparisonLora, target_modules: [...comparisonLora.target_modules] }, settings.seed);
  const optimizer = new AdamW({ beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 });
  const before = evaluateLoss(decoder, adapter, validation, settings.batchSize);
  let cursor = 0;
  for (let step = 0; step < settings.steps; step += 1) {
    const rows = Array.from({ length: settings.batchSize }, () => train[cursor++ % train.length] as PackedRow);
    const rate = learningRateAt(step, { peak: settings.learningRate, warmupSteps: 5, totalSteps: settings.steps, decay: 'linear' });
    trainStep(decoder, { variables: () => adapter.variables(), setTrainingStep: (value) => adapter.setTrainingStep(value), adapter }, optimizer, rows, step, {
      learningRate: rate,
      maxGradientNorm: 1,
    });
  }
  const after = evaluateLoss(decoder, adapter, validation, settings.batchSize);
  adapter.dispose();
  optimizer.dispose();
  return { before, after };
}

/**
 * Fine-tunes the same LoRA adapter, with the same data, seed and steps, on the pretrained tiny
 * model and on randomly initialised weights of the same shape, and reports both validation losses.
 */
export async function compareLoraStarts(options: { modelFolder: string; datasetPath?: string; steps: number; seed: number; batchSize?: number; learningRate?: number; log: Logger }): Promise<LoraStartComparison> {
  const dataset = options.datasetPath ?? 'examples/support-triage/data.jsonl';
  const batchSize = options.batchSize ?? 8;
  const learningRate = options.learningRate ?? 2e-3;
  const model = await LanguageModel.load(options.modelFolder, { name: 'builtin:tiny', log: options.log });
  const { train, validation } = await readSplit(dataset, (messages) => encodeChatExample(model, messages));
  const sequenceLength = 128;
  const padTokenId = model.generationTokenizer.padTokenId;
  const trainRows = packExamples(train, sequenceLength, padTokenId);
  const validationRows = packExamples(validation, sequenceLength, padTokenId);
  const settings = { steps: options.steps, batchSize, learningRate, seed: options.seed };
  const pretrained = await fineTune(model.decoder, trainRows, validationRows, settings);
  const randomDecoder = new LlamaDecoder(model.config, toDecoderParameters(model.config, randomHostWeights(model.config, options.seed)));
  const random = await fineTune(randomDecoder, trainRows, validationRows, settings);
  disposeDecoderParameters(randomDecoder.parameters);
  randomDecoder.dispose();
  model.dispose();
  options.log.info({ pretrained, random }, 'LoRA from pretrained vs random weights');
  return { dataset, trainExamples: train.length, validationExamples: validation.length, steps: options.steps, batchSize, learningRate, lora: comparisonLora, pretrained, random };
}
