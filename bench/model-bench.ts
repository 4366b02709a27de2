// Model runtime speed on each available backend: forward (prefill) tokens/s, generation tokens/s with
// and without the KV cache, and achieved GFLOP/s next to the backend's own 2-D matmul rate, for the
// built-in tiny model and a 125M-parameter Llama-shaped config with random weights.
import * as tf from '@tensorflow/tfjs-core';
import { parseArgs } from 'node:util';
import pino from 'pino';
import {
  LlamaDecoder,
  disposeDecoderParameters,
  generateTokens,
  parseDecoderConfig,
  parameterCount,
  randomHostWeights,
  toDecoderParameters,
  type DecoderConfig,
} from '../adapters/index.js';
import { loadTinyModel, selectedBackends } from './bench-backends.js';
import { printTable } from './print-table.js';

/** A Llama-shaped config of about 125M parameters (12 layers, hidden 768, grouped-query attention), used with random weights. */
export const llama125m = parseDecoderConfig({
  architectures: ['LlamaForCausalLM'],
  vocab_size: 32_000,
  hidden_size: 768,
  intermediate_size: 2944,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  num_key_value_heads: 4,
  max_position_embeddings: 2048,
  tie_word_embeddings: true,
});

/** GFLOP/s of one [m, k] × [k, n] matmul on the active backend, best of a few runs. */
export async function matmulRate(m: number, k: number, n: number): Promise<number> {
  const a = tf.randomNormal([m, k]);
  const b = tf.randomNormal([k, n]);
  let best = Infinity;
  for (let run = 0; run < 4; run += 1) {
    const started = performance.now();
    const product = tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
    await product.data();
    best = Math.min(best, performance.now() - started);
    product.dispose();
  }
  a.dispose();
  b.dispose();
  return (2 * m * k * n) / (best / 1000) / 1e9;
}

/** Multiply-adds ×2 of a forward pass over `tokens` new positions attending to `keys` positions each. */
function forwardFlops(config: DecoderConfig, tokens: number, keys: number, logitsRows: number): number {
  const linear = parameterCount(config) - config.vocabSize * config.hiddenSize * (config.tieWordEmbeddings ? 1 : 2) - (2 * config.numLayers + 1) * config.hiddenSize;
  const attention = 4 * config.numLayers * config.numHeads * config.headDim * tokens * keys;
  return 2 * linear * tokens + attention + 2 * config.hiddenSize * config.vocabSize * logitsRows;
}

const padTokenizer = { decode: () => '', eosTokenIds: [] as number[], padTokenId: 0 };

async function measure(label: string, decoder: LlamaDecoder, sizes: { prompt: number; generate: number }, matmul: number): Promise<string[][]> {
  const config = decoder.config;
  const prompt = Array.from({ length: sizes.prompt }, (_, index) => (index * 7919 + 3) % config.vocabSize);
  const batch = { tokenIds: Int32Array.from(prompt), batch: 1, length: prompt.length, positions: Int32Array.from(prompt, (_, index) => index), keyMask: new Uint8Array(prompt.length).fill(1) };
  decoder.forward(batch, { logits: 'last' }).dispose(); // warm-up
  let started = performance.now();
  const logits = decoder.forward(batch);
  await logits.data();
  logits.dispose();
  const forwardSeconds = (performance.now() - started) / 1000;
  const rows: string[][] = [[label, 'forward (prefill)', `${sizes.prompt}`, (sizes.prompt / forwardSeconds).toFixed(1), (forwardFlops(config, sizes.prompt, sizes.prompt, sizes.prompt) / forwardSeconds / 1e9).toFixed(2), matmul.toFixed(1)]];
  for (const useCache of [true, false]) {
    started = performance.now();
    await generateTokens(decoder, padTokenizer, [prompt], { maxTokens: sizes.generate, useCache });
    const seconds = (performance.now() - started) / 1000;
    let flops = forwardFlops(config, sizes.prompt, sizes.prompt, 1);
    for (let step = 1; step < sizes.generate; step += 1) {
      const length = sizes.prompt + step;
      flops += useCache ? forwardFlops(config, 1, length, 1) : forwardFlops(config, length, length, 1);
    }
    rows.push([label, `generate ${useCache ? 'with' : 'without'} KV cache`, `${sizes.prompt}+${sizes.generate}`, (sizes.generate / seconds).toFixed(1), (flops / seconds / 1e9).toFixed(2), matmul.toFixed(1)]);
  }
  return rows;
}

/** `npm run bench -- model [--backends wasm,cpu] [--skip-large]`. */
export async function benchModel(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { backends: { type: 'string' }, 'skip-large': { type: 'boolean' } } });
  const log = pino({ level: 'warn' });
  const rows: string[][] = [];
  for await (const backend of selectedBackends(values.backends, log)) {
    // The rate the hot path can reach: a prefill's hidden-state rows against a square projection.
    const matmul = await matmulRate(128, 768, 768);
    const model = await loadTinyModel(backend, log);
    rows.push(...(await measure(`${backend} tiny (${(model.identity.parameters / 1e6).toFixed(1)}M)`, model.decoder, { prompt: 128, generate: 32 }, matmul)));
    model.dispose();
    if (!values['skip-large']) {
      const decoder = new LlamaDecoder(llama125m, toDecoderParameters(llama125m, randomHostWeights(llama125m, 1)));
      const slow = backend === 'cpu';
      rows.push(...(await measure(`${backend} llama-125M (${(parameterCount(llama125m) / 1e6).toFixed(0)}M)`, decoder, slow ? { prompt: 16, generate: 4 } : { prompt: 128, generate: 16 }, matmul)));
      disposeDecoderParameters(decoder.parameters);
      decoder.dispose();
    }
  }
  printTable(['model', 'measure', 'tokens', 'tokens/s', 'GFLOP/s', 'matmul GFLOP/s'], rows);
}
