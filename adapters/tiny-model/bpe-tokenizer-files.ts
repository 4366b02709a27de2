import { chatmlTemplate } from './corpus-chatml.js';
import { gpt2SplitPattern } from './bpe-word-counts.js';

/** An entry of `added_tokens` in tokenizer.json. */
export interface AddedTokenJson {
  id: number;
  content: string;
  single_word: boolean;
  lstrip: boolean;
  rstrip: boolean;
  normalized: boolean;
  special: boolean;
}

/** The byte-level component settings, shared by the pre-tokenizer, post-processor and decoder. */
interface ByteLevelJson {
  type: 'ByteLevel';
  add_prefix_space: false;
  trim_offsets: false;
  use_regex: false;
}

/** A Hugging Face `tokenizer.json` for a byte-level BPE model, as this trainer writes it. */
export interface ByteLevelBpeTokenizerJson {
  version: '1.0';
  truncation: null;
  padding: null;
  added_tokens: AddedTokenJson[];
  normalizer: null;
  pre_tokenizer: {
    type: 'Sequence';
    pretokenizers: [{ type: 'Split'; pattern: { Regex: string }; behavior: 'Isolated'; invert: false }, ByteLevelJson];
  };
  post_processor: ByteLevelJson;
  decoder: ByteLevelJson;
  model: {
    type: 'BPE';
    dropout: null;
    unk_token: null;
    continuing_subword_prefix: '';
    end_of_word_suffix: '';
    fuse_unk: false;
    byte_fallback: false;
    ignore_merges: false;
    vocab: Record<string, number>;
    /** `"left right"`: byte-level tokens never contain a space, so the split is unambiguous. */
    merges: string[];
  };
}

/** A Hugging Face `tokenizer_config.json` for the ChatML tokenizer. */
export interface ChatmlTokenizerConfig {
  add_bos_token: false;
  add_eos_token: false;
  add_prefix_space: false;
  bos_token: null;
  eos_token: string;
  pad_token: string;
  unk_token: null;
  additional_special_tokens: string[];
  added_tokens_decoder: Record<string, Omit<AddedTokenJson, 'id'>>;
  chat_template: string;
  clean_up_tokenization_spaces: false;
  errors: 'replace';
  model_max_length: number;
  split_special_tokens: false;
  tokenizer_class: 'PreTrainedTokenizerFast';
}

const byteLevel: ByteLevelJson = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: false, use_regex: false };

/** The special tokens as `added_tokens` entries: whole, never normalized, ids in list order. */
export function addedTokenEntries(specialTokens: readonly string[]): AddedTokenJson[] {
  return specialTokens.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }));
}

/** Assembles tokenizer.json from a vocabulary by id (special tokens first) and ranked merges. */
export function buildTokenizerJson(tokens: readonly string[], merges: readonly (readonly [string, string])[], specialTokens: readonly string[]): ByteLevelBpeTokenizerJson {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: addedTokenEntries(specialTokens),
    normalizer: null,
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [{ type: 'Split', pattern: { Regex: gpt2SplitPattern }, behavior: 'Isolated', invert: false }, { ...byteLevel }],
    },
    post_processor: { ...byteLevel },
    decoder: { ...byteLevel },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab: Object.fromEntries(tokens.map((token, id) => [token, id])),
      merges: merges.map(([left, right]) => `${left} ${right}`),
    },
  };
}

/** Assembles tokenizer_config.json: no BOS, `<|im_end|>` ends a turn, `<|endoftext|>` pads. */
export function buildTokenizerConfig(specialTokens: readonly string[], modelMaxLength: number): ChatmlTokenizerConfig {
  const added = addedTokenEntries(specialTokens);
  return {
    add_bos_token: false,
    add_eos_token: false,
    add_prefix_space: false,
    bos_token: null,
    eos_token: '<|im_end|>',
    pad_token: '<|endoftext|>',
    unk_token: null,
    additional_special_tokens: specialTokens.filter((token) => token !== '<|endoftext|>'),
    added_tokens_decoder: Object.fromEntries(added.map(({ id, ...token }) => [String(id), token])),
    chat_template: chatmlTemplate,
    clean_up_tokenization_spaces: false,
    errors: 'replace',
    model_max_length: modelMaxLength,
    split_special_tokens: false,
    tokenizer_class: 'PreTrainedTokenizerFast',
  };
}
