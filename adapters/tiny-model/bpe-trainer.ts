import { UsageError } from '../../core/index.js';
import { byteAlphabet } from './bpe-byte-alphabet.js';
import { learnMerges, maxBpeVocabSize } from './bpe-merges.js';
import { buildTokenizerConfig, buildTokenizerJson, type ByteLevelBpeTokenizerJson, type ChatmlTokenizerConfig } from './bpe-tokenizer-files.js';
import { countPreTokenizedWords } from './bpe-word-counts.js';
import { chatmlSpecialTokens } from './corpus-chatml.js';

/** What {@link trainByteLevelBpe} learns from. */
export interface TrainByteLevelBpeOptions {
  texts: Iterable<string>;
  /** Total tokens, special tokens and the 256 bytes included. */
  vocabSize: number;
  /** Tokens that are never split, with ids 0, 1, 2… in this order. Must include `<|endoftext|>` and `<|im_end|>`. */
  specialTokens?: readonly string[];
  /** `model_max_length` in tokenizer_config.json. */
  modelMaxLength?: number;
}

/** The two files a Hugging Face tokenizer is loaded from, as JSON values. */
export interface TrainedTokenizer {
  tokenizerJson: ByteLevelBpeTokenizerJson;
  tokenizerConfig: ChatmlTokenizerConfig;
}

function checkOptions(specialTokens: readonly string[], vocabSize: number): void {
  const minimum = specialTokens.length + byteAlphabet.length;
  if (!Number.isInteger(vocabSize) || vocabSize < minimum || vocabSize > maxBpeVocabSize) {
    throw new UsageError(`vocabSize must be an integer from ${minimum} (special tokens plus 256 bytes) to ${maxBpeVocabSize}, got ${vocabSize}`);
  }
  for (const required of ['<|endoftext|>', '<|im_end|>']) {
    if (!specialTokens.includes(required)) {
      throw new UsageError(`specialTokens must include "${required}" (the pad and end-of-turn tokens), got ${JSON.stringify(specialTokens)}`);
    }
  }
  if (new Set(specialTokens).size !== specialTokens.length) throw new UsageError(`specialTokens must be distinct, got ${JSON.stringify(specialTokens)}`);
}

/** Each counted piece as byte-alphabet token ids (bytes start right after the special tokens). */
function wordsAsByteIds(counts: Map<string, number>, firstByteId: number): { words: number[][]; counts: number[] } {
  const encoder = new TextEncoder();
  const words: number[][] = [];
  const wordCounts: number[] = [];
  for (const [piece, count] of counts) {
    words.push(Array.from(encoder.encode(piece), (byte) => firstByteId + byte));
    wordCounts.push(count);
  }
  return { words, counts: wordCounts };
}

/**
 * Trains a GPT-2-style byte-level BPE tokenizer with ChatML special tokens and returns its
 * tokenizer.json and tokenizer_config.json. The result is deterministic for the same texts.
 *
 * @example
 * const { tokenizerJson, tokenizerConfig } = trainByteLevelBpe({ texts: generateCorpus({ seed: 1, documents: 8000 }), vocabSize: 1024 });
 * const tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
 */
export function trainByteLevelBpe(options: TrainByteLevelBpeOptions): TrainedTokenizer {
  const specialTokens = options.specialTokens ?? chatmlSpecialTokens;
  checkOptions(specialTokens, options.vocabSize);
  const { words, counts } = wordsAsByteIds(countPreTokenizedWords(options.texts, specialTokens), specialTokens.length);
  const learned = learnMerges({ words, counts, tokens: [...specialTokens, ...byteAlphabet], vocabSize: options.vocabSize });
  if (learned.tokens.length < options.vocabSize) {
    throw new UsageError(
      `the training text allows only ${learned.tokens.length} tokens, fewer than vocabSize ${options.vocabSize}; give more text or a smaller vocabSize`,
    );
  }
  return {
    tokenizerJson: buildTokenizerJson(learned.tokens, learned.merges, specialTokens),
    tokenizerConfig: buildTokenizerConfig(specialTokens, options.modelMaxLength ?? 2048),
  };
}
