// A small random decoder for tests: GQA (4 query heads, 2 KV heads), untied head, q/k/v bias optional.
import { parseDecoderConfig, type DecoderConfig } from '../../../adapters/model/model-config.js';
import { randomHostWeights, toDecoderParameters } from '../../../adapters/model/decoder-parameters.js';
import { LlamaDecoder } from '../../../adapters/model/llama-decoder.js';
import type { DecoderBatch } from '../../../adapters/model/llama-decoder.js';

/** A Llama `config.json` small enough to run in milliseconds, as a model folder spells it. */
export function smallRawConfig(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    architectures: ['LlamaForCausalLM'],
    vocab_size: 61,
    hidden_size: 32,
    intermediate_size: 48,
    num_hidden_layers: 2,
    num_attention_heads: 4,
    num_key_value_heads: 2,
    rms_norm_eps: 1e-5,
    rope_theta: 10000,
    max_position_embeddings: 128,
    tie_word_embeddings: false,
    eos_token_id: 60,
    ...overrides,
  };
}

/** The same config, parsed. */
export function smallConfig(overrides: Record<string, unknown> = {}): DecoderConfig {
  return parseDecoderConfig(smallRawConfig(overrides));
}

/** A decoder with seeded random weights (std 0.2, so logits differ clearly between tokens). */
export function randomDecoder(config: DecoderConfig = smallConfig(), seed = 7): LlamaDecoder {
  return new LlamaDecoder(config, toDecoderParameters(config, randomHostWeights(config, seed, 0.2)));
}

/** One unpadded row of tokens as a decoder batch. */
export function singleRow(tokens: number[], start = 0, cached = 0): DecoderBatch {
  return {
    tokenIds: Int32Array.from(tokens),
    batch: 1,
    length: tokens.length,
    positions: Int32Array.from(tokens, (_, index) => start + index),
    keyMask: new Uint8Array(cached + tokens.length).fill(1),
  };
}
