import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../../core/index.js';
import { evaluateLoss, trainStep } from '../lora/lora-steps.js';
import { AdamW, learningRateAt } from '../model/adamw.js';
import { decoderVariables, fromDecoderParameters, randomHostWeights, toDecoderParameters } from '../model/decoder-parameters.js';
import { LlamaDecoder } from '../model/llama-decoder.js';
import { parameterCount, parseDecoderConfig } from '../model/model-config.js';
import { packExamples, type PackedRow, type TokenizedExample } from '../model/sequence-packing.js';
import { writeSafetensors } from '../model/safetensors/safetensors-writer.js';
import { selectBackend, type BackendPreference } from '../model/tensor-backend.js';
import { loadTextTokenizer } from '../model/text-tokenizer.js';
import { trainByteLevelBpe } from './bpe-trainer.js';
import { generateCorpus } from './corpus.js';
import { SeededRandom } from '../../core/index.js';
import { tinyGenerationConfig, tinyModelConfig } from './tiny-model-config.js';

/** How the tiny model is pretrained; the defaults are what the committed weights used. */
export interface PretrainOptions {
  outDir: string;
  seed?: number;
  documents?: number;
  steps?: number;
  batchSize?: number;
  sequenceLength?: number;
  learningRate?: number;
  evaluateEvery?: number;
  backend?: BackendPreference;
  log: Logger;
  onStep?: (event: { step: number; steps: number; loss: number; tokensPerSecond: number }) => void;
}

/** What pretraining measured, for the model card. */
export interface PretrainReport {
  seed: number;
  documents: number;
  corpusBytes: number;
  trainTokens: number;
  validationTokens: number;
  steps: number;
  tokensSeen: number;
  batchSize: number;
  sequenceLength: number;
  learningRate: number;
  parameters: number;
  backend: string;
  wallSeconds: number;
  finalTrainLoss: number;
  validationLoss: number;
  validationCurve: { step: number; loss: number }[];
}

function shuffled<T>(items: readonly T[], random: SeededRandom): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index -= 1) {
    const other = random.int(index + 1);
    [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
  }
  return copy;
}

/**
 * Pretrains the built-in tiny model from scratch: generates the corpus, learns a byte-level BPE
 * tokenizer on it, trains every weight with next-token loss on packed documents, and writes a
 * Hugging Face model folder (config, safetensors, tokenizer files) to `outDir`.
 */
export async function pretrainTinyModel(options: PretrainOptions): Promise<PretrainReport> {
  const seed = options.seed ?? 1;
  const documents = options.documents ?? 40_000;
  const steps = options.steps ?? 1_000;
  const batchSize = options.batchSize ?? 8;
  const sequenceLength = options.sequenceLength ?? 128;
  const learningRate = options.learningRate ?? 3e-3;
  const backend = await selectBackend(options.backend ?? 'auto', options.log);
  const started = performance.now();

  const corpus = generateCorpus({ seed, documents });
  const corpusBytes = corpus.reduce((total, text) => total + Buffer.byteLength(text), 0);
  const trained = trainByteLevelBpe({ texts: corpus, vocabSize: tinyModelConfig.vocab_size, modelMaxLength: tinyModelConfig.max_position_embeddings });
  const tokenizer = loadTextTokenizer(trained.tokenizerJson, trained.tokenizerConfig, 'tiny model tokenizer');
  options.log.info({ documents, corpusBytes }, 'corpus generated and tokenizer trained');

  const examples: TokenizedExample[] = corpus.map((text) => {
    const tokens = tokenizer.encode(text, { addSpecialTokens: false });
    return { tokens, lossMask: new Uint8Array(tokens.length).fill(1) };
  });
  const validationCount = Math.max(1, Math.round(examples.length * 0.02));
  const validationRows = packExamples(examples.slice(-validationCount), sequenceLength, 0);
  const trainExamples = examples.slice(0, -validationCount);
  const random = new SeededRandom(seed);

  const config = parseDecoderConfig(tinyModelConfig, 'tiny model config');
  const parameters = toDecoderParameters(config, randomHostWeights(config, seed), { trainable: true });
  const decoder = new LlamaDecoder(config, parameters);
  const variables = decoderVariables(parameters);
  const optimizer = new AdamW({ beta1: 0.9, beta2: 0.98, epsilon: 1e-8, weightDecay: 0.01 });
  const evaluateEvery = options.evaluateEvery ?? 100;
  const validationCurve: { step: number; loss: number }[] = [];
  let rows: PackedRow[] = [];
  let recentLoss = Number.NaN;
  let stepStarted = performance.now();
  for (let step = 0; step < steps; step += 1) {
    if (rows.length < batchSize) rows = [...rows, ...packExamples(shuffled(trainExamples, random), sequenceLength, 0)];
    const batch = rows.splice(0, batchSize);
    const rate = learningRateAt(step, { peak: learningRate, warmupSteps: 50, totalSteps: steps, decay: 'cosine', minimumRatio: 0.1 });
    const { loss } = trainStep(decoder, { variables: () => variables }, optimizer, batch, step, { learningRate: rate, maxGradientNorm: 1 });
    recentLoss = Number.isNaN(recentLoss) ? loss : 0.95 * recentLoss + 0.05 * loss;
    const now = performance.now();
    options.onStep?.({ step: step + 1, steps, loss: recentLoss, tokensPerSecond: (batchSize * sequenceLength) / ((now - stepStarted) / 1000) });
    stepStarted = now;
    if ((step + 1) % evaluateEvery === 0 || step + 1 === steps) {
      const validation = evaluateLoss(decoder, undefined, validationRows, batchSize);
      validationCurve.push({ step: step + 1, loss: validation });
      options.log.info({ step: step + 1, trainLoss: recentLoss, validationLoss: validation }, 'pretraining');
    }
  }

  await writeModelFolder(options.outDir, await fromDecoderParameters(config, parameters), trained);
  optimizer.dispose();
  const sumTokens = (items: TokenizedExample[]) => items.reduce((total, example) => total + example.tokens.length, 0);
  return {
    seed,
    documents,
    corpusBytes,
    trainTokens: sumTokens(trainExamples),
    validationTokens: sumTokens(examples.slice(-validationCount)),
    steps,
    tokensSeen: steps * batchSize * sequenceLength,
    batchSize,
    sequenceLength,
    learningRate,
    parameters: parameterCount(config),
    backend: backend.name,
    wallSeconds: (performance.now() - started) / 1000,
    finalTrainLoss: recentLoss,
    validationLoss: validationCurve[validationCurve.length - 1]?.loss ?? Number.NaN,
    validationCurve,
  };
}

async function writeModelFolder(outDir: string, weights: Awaited<ReturnType<typeof fromDecoderParameters>>, tokenizer: ReturnType<typeof trainByteLevelBpe>): Promise<void> {
  const staging = `${outDir}.partial`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  await writeSafetensors(join(staging, 'model.safetensors'), weights, { format: 'pt' });
  const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;
  await writeFile(join(staging, 'config.json'), json(tinyModelConfig));
  await writeFile(join(staging, 'generation_config.json'), json(tinyGenerationConfig));
  await writeFile(join(staging, 'tokenizer.json'), JSON.stringify(tokenizer.tokenizerJson));
  await writeFile(join(staging, 'tokenizer_config.json'), json(tokenizer.tokenizerConfig));
  await rm(outDir, { recursive: true, force: true });
  await rename(staging, outDir);
}
