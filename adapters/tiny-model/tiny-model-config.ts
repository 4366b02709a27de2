/**
 * The built-in tiny model's `config.json`: Llama architecture, about 1.8M parameters, small enough
 * to pretrain on two CPU cores in minutes and fine-tune in CI, large enough to learn chat structure.
 */
export const tinyModelConfig = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  vocab_size: 1024,
  hidden_size: 192,
  intermediate_size: 512,
  num_hidden_layers: 4,
  num_attention_heads: 6,
  num_key_value_heads: 2,
  head_dim: 32,
  hidden_act: 'silu',
  rms_norm_eps: 1e-5,
  rope_theta: 10_000,
  max_position_embeddings: 512,
  tie_word_embeddings: true,
  attention_bias: false,
  bos_token_id: null,
  eos_token_id: 2,
  torch_dtype: 'float32',
} as const;

/** Stop on `<|im_end|>` (end of turn) and `<|endoftext|>` (end of document). */
export const tinyGenerationConfig = { eos_token_id: [2, 0], pad_token_id: 0, do_sample: false } as const;

/** Where the committed weights live, relative to the repository root. */
export const tinyModelFolder = 'adapters/tiny-model/lora-tiny';
