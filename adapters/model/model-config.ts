import { z } from 'zod';
import { fromZodIssues, InputError } from '../../core/index.js';

/** Hugging Face architectures this runtime can run, with the `model_type` each one declares. */
export const supportedArchitectures = {
  LlamaForCausalLM: 'llama',
  MistralForCausalLM: 'mistral',
  Qwen2ForCausalLM: 'qwen2',
} as const;

export type ArchitectureName = keyof typeof supportedArchitectures;

const positiveInt = z.number().int().positive();
const tokenIds = z.union([z.number().int().nonnegative(), z.array(z.number().int().nonnegative())]);

/** Llama 3's frequency-dependent rope scaling; other scaling types are refused by name. */
const ropeScaling = z
  .object({
    rope_type: z.string().optional(),
    type: z.string().optional(),
    factor: z.number().positive().optional(),
    low_freq_factor: z.number().positive().optional(),
    high_freq_factor: z.number().positive().optional(),
    original_max_position_embeddings: positiveInt.optional(),
  })
  .passthrough();

/** The subset of a Hugging Face `config.json` that a Llama-family decoder needs; unknown keys pass. */
export const huggingFaceConfig = z
  .object({
    architectures: z.array(z.string()).min(1),
    model_type: z.string().optional(),
    vocab_size: positiveInt,
    hidden_size: positiveInt,
    intermediate_size: positiveInt,
    num_hidden_layers: positiveInt,
    num_attention_heads: positiveInt,
    num_key_value_heads: positiveInt.optional(),
    head_dim: positiveInt.nullish(),
    rms_norm_eps: z.number().positive().default(1e-6),
    rope_theta: z.number().positive().default(10_000),
    rope_scaling: ropeScaling.nullish(),
    max_position_embeddings: positiveInt.default(2048),
    tie_word_embeddings: z.boolean().default(false),
    attention_bias: z.boolean().optional(),
    hidden_act: z.string().default('silu'),
    bos_token_id: tokenIds.nullish(),
    eos_token_id: tokenIds.nullish(),
    torch_dtype: z.string().optional(),
  })
  .passthrough();

export type HuggingFaceConfig = z.infer<typeof huggingFaceConfig>;

/** Llama 3 rope scaling, normalised. */
export interface Llama3RopeScaling {
  factor: number;
  lowFreqFactor: number;
  highFreqFactor: number;
  originalMaxPositionEmbeddings: number;
}

/** A decoder's shape and options, normalised from `config.json`; everything the runtime reads. */
export interface DecoderConfig {
  architecture: ArchitectureName;
  modelType: (typeof supportedArchitectures)[ArchitectureName];
  vocabSize: number;
  hiddenSize: number;
  intermediateSize: number;
  numLayers: number;
  numHeads: number;
  numKvHeads: number;
  headDim: number;
  rmsNormEps: number;
  ropeTheta: number;
  ropeScaling: Llama3RopeScaling | null;
  maxPositionEmbeddings: number;
  tieWordEmbeddings: boolean;
  /** Bias on q/k/v projections (Qwen2 always; Llama when `attention_bias`). */
  attentionBias: boolean;
  bosTokenId: number | null;
  eosTokenIds: number[];
}

function toList(value: number | number[] | null | undefined): number[] {
  if (value === null || value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

function configError(subject: string, message: string, code = 'model-config-invalid'): InputError {
  return new InputError(`${subject}: ${message}`, { code });
}

/**
 * Validates a parsed `config.json` and normalises it. `subject` names the file in messages.
 * @example parseDecoderConfig(JSON.parse(text), 'models/tiny/config.json')
 */
export function parseDecoderConfig(raw: unknown, subject = 'config.json'): DecoderConfig {
  const parsed = huggingFaceConfig.safeParse(raw);
  if (!parsed.success) {
    const issues = fromZodIssues(parsed.error.issues, raw);
    throw new InputError(`${subject} is not a usable model config:\n${issues.map((issue) => `  "${issue.path}" ${issue.message}`).join('\n')}`, {
      code: 'model-config-invalid',
      issues,
    });
  }
  const config = parsed.data;
  const architecture = config.architectures[0] as string;
  if (!(architecture in supportedArchitectures)) {
    throw configError(
      subject,
      `architecture "${architecture}" is not supported; supported architectures: ${Object.keys(supportedArchitectures).join(', ')}`,
      'model-architecture-unsupported',
    );
  }
  const name = architecture as ArchitectureName;
  if (config.hidden_act !== 'silu') {
    throw configError(subject, `"hidden_act" must be "silu" (SwiGLU), got "${config.hidden_act}"`);
  }
  const numKvHeads = config.num_key_value_heads ?? config.num_attention_heads;
  if (config.num_attention_heads % numKvHeads !== 0) {
    throw configError(subject, `"num_attention_heads" (${config.num_attention_heads}) must be a multiple of "num_key_value_heads" (${numKvHeads})`);
  }
  const headDim = config.head_dim ?? config.hidden_size / config.num_attention_heads;
  if (!Number.isInteger(headDim) || headDim % 2 !== 0) {
    throw configError(subject, `the head size must be an even integer, got ${headDim} ("hidden_size" / "num_attention_heads")`);
  }
  return {
    architecture: name,
    modelType: supportedArchitectures[name],
    vocabSize: config.vocab_size,
    hiddenSize: config.hidden_size,
    intermediateSize: config.intermediate_size,
    numLayers: config.num_hidden_layers,
    numHeads: config.num_attention_heads,
    numKvHeads,
    headDim,
    rmsNormEps: config.rms_norm_eps,
    ropeTheta: config.rope_theta,
    ropeScaling: normaliseRopeScaling(config.rope_scaling ?? null, subject),
    maxPositionEmbeddings: config.max_position_embeddings,
    tieWordEmbeddings: config.tie_word_embeddings,
    attentionBias: name === 'Qwen2ForCausalLM' ? true : (config.attention_bias ?? false),
    bosTokenId: toList(config.bos_token_id)[0] ?? null,
    eosTokenIds: toList(config.eos_token_id),
  };
}

function normaliseRopeScaling(scaling: z.infer<typeof ropeScaling> | null, subject: string): Llama3RopeScaling | null {
  if (scaling === null) return null;
  const kind = scaling.rope_type ?? scaling.type ?? 'default';
  if (kind === 'default') return null;
  if (kind !== 'llama3') {
    throw configError(subject, `"rope_scaling.rope_type" must be "llama3" or absent, got "${kind}"`, 'model-feature-unsupported');
  }
  const { factor, low_freq_factor: low, high_freq_factor: high, original_max_position_embeddings: original } = scaling;
  if (factor === undefined || low === undefined || high === undefined || original === undefined) {
    throw configError(subject, '"rope_scaling" of type llama3 needs factor, low_freq_factor, high_freq_factor and original_max_position_embeddings');
  }
  return { factor, lowFreqFactor: low, highFreqFactor: high, originalMaxPositionEmbeddings: original };
}

/** The parameter tensors a checkpoint of this config must hold, by Hugging Face name, with their shapes. */
export function expectedTensors(config: DecoderConfig): Map<string, number[]> {
  const { hiddenSize: h, intermediateSize: i, numHeads, numKvHeads, headDim, vocabSize } = config;
  const tensors = new Map<string, number[]>();
  tensors.set('model.embed_tokens.weight', [vocabSize, h]);
  for (let layer = 0; layer < config.numLayers; layer += 1) {
    const prefix = `model.layers.${layer}`;
    tensors.set(`${prefix}.input_layernorm.weight`, [h]);
    tensors.set(`${prefix}.self_attn.q_proj.weight`, [numHeads * headDim, h]);
    tensors.set(`${prefix}.self_attn.k_proj.weight`, [numKvHeads * headDim, h]);
    tensors.set(`${prefix}.self_attn.v_proj.weight`, [numKvHeads * headDim, h]);
    if (config.attentionBias) {
      tensors.set(`${prefix}.self_attn.q_proj.bias`, [numHeads * headDim]);
      tensors.set(`${prefix}.self_attn.k_proj.bias`, [numKvHeads * headDim]);
      tensors.set(`${prefix}.self_attn.v_proj.bias`, [numKvHeads * headDim]);
    }
    tensors.set(`${prefix}.self_attn.o_proj.weight`, [h, numHeads * headDim]);
    tensors.set(`${prefix}.post_attention_layernorm.weight`, [h]);
    tensors.set(`${prefix}.mlp.gate_proj.weight`, [i, h]);
    tensors.set(`${prefix}.mlp.up_proj.weight`, [i, h]);
    tensors.set(`${prefix}.mlp.down_proj.weight`, [h, i]);
  }
  tensors.set('model.norm.weight', [h]);
  if (!config.tieWordEmbeddings) tensors.set('lm_head.weight', [vocabSize, h]);
  return tensors;
}

/** Linear module names inside each decoder layer, as PEFT's `target_modules` names them. */
export const linearModuleNames = ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] as const;
export type LinearModuleName = (typeof linearModuleNames)[number];

/** The input and output widths of a decoder layer's linear module, as `nn.Linear(in, out)` has them. */
export function linearModuleShape(config: DecoderConfig, module: LinearModuleName): { inFeatures: number; outFeatures: number } {
  const { hiddenSize: h, intermediateSize: i, numHeads, numKvHeads, headDim } = config;
  switch (module) {
    case 'q_proj':
      return { inFeatures: h, outFeatures: numHeads * headDim };
    case 'k_proj':
    case 'v_proj':
      return { inFeatures: h, outFeatures: numKvHeads * headDim };
    case 'o_proj':
      return { inFeatures: numHeads * headDim, outFeatures: h };
    case 'gate_proj':
    case 'up_proj':
      return { inFeatures: h, outFeatures: i };
    case 'down_proj':
      return { inFeatures: i, outFeatures: h };
  }
}

/** Parameter count of a config, from its expected tensors. */
export function parameterCount(config: DecoderConfig): number {
  let total = 0;
  for (const shape of expectedTensors(config).values()) total += shape.reduce((product, size) => product * size, 1);
  return total;
}
