import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../core/index.js';
import { trainByteLevelBpe } from '../../../adapters/tiny-model/bpe-trainer.js';
import { generateCorpus } from '../../../adapters/tiny-model/corpus.js';
import { renderChatml, type ChatmlMessage } from '../../../adapters/tiny-model/corpus-chatml.js';

const corpus = generateCorpus({ seed: 3, documents: 3000 });
const trained = trainByteLevelBpe({ texts: corpus, vocabSize: 1024 });
const tokenizer = new Tokenizer(trained.tokenizerJson, trained.tokenizerConfig);

const roundTrip = (text: string): string => tokenizer.decode(tokenizer.encode(text).ids);

describe('trainByteLevelBpe', () => {
  it('writes a tokenizer that @huggingface/tokenizers loads, with exactly vocabSize entries', () => {
    expect(tokenizer.get_vocab(true).size).toBe(1024);
    expect(Object.keys(trained.tokenizerJson.model.vocab)).toHaveLength(1024);
    expect(new Set(Object.values(trained.tokenizerJson.model.vocab))).toEqual(new Set(Array.from({ length: 1024 }, (_, id) => id)));
  });

  it('encodes each special token as one id: <|endoftext|> 0, <|im_start|> 1, <|im_end|> 2', () => {
    expect(tokenizer.encode('<|endoftext|>').ids).toEqual([0]);
    expect(tokenizer.encode('<|im_start|>').ids).toEqual([1]);
    expect(tokenizer.encode('<|im_end|>').ids).toEqual([2]);
    const ids = tokenizer.encode('<|im_start|>user\nHi<|im_end|>\n').ids;
    expect(ids[0]).toBe(1);
    expect(ids.filter((id: number) => id <= 2)).toEqual([1, 2]);
  });

  it('round-trips text with multi-byte characters, odd spacing and special tokens exactly', () => {
    for (const text of ['Grüße 世界 👋', "  It's   2024!\n\n\ttabs\r\nand  trailing  ", 'naïve café – “quotes” € ½', '<|im_start|>assistant\nbug<|im_end|>\n<|endoftext|>']) {
      expect(roundTrip(text)).toBe(text);
    }
  });

  it('round-trips any Unicode string exactly', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 60 }), (text) => roundTrip(text) === text),
      { numRuns: 300, seed: 17 },
    );
  });

  it('compresses the generated corpus to under half a token per byte', () => {
    const sample = corpus.slice(0, 500);
    const bytes = sample.reduce((sum, document) => sum + Buffer.byteLength(document), 0);
    const tokens = sample.reduce((sum, document) => sum + tokenizer.encode(document).ids.length, 0);
    expect(tokens / bytes).toBeLessThan(0.5);
  });

  it('learns whole common words as single tokens', () => {
    for (const word of [' the', ' order', ' customer']) expect(tokenizer.encode(word).ids, word).toHaveLength(1);
  });

  it('writes merges as "left right" strings whose parts and joins are all in the vocabulary', () => {
    const { vocab, merges } = trained.tokenizerJson.model;
    expect(merges.length).toBeGreaterThanOrEqual(1024 - 3 - 256);
    for (const merge of merges) {
      const parts = merge.split(' ');
      expect(parts, merge).toHaveLength(2);
      expect(vocab[parts[0] as string], merge).toBeDefined();
      expect(vocab[parts[1] as string], merge).toBeDefined();
      expect(vocab[parts.join('')], merge).toBeDefined();
    }
  });

  it('gives the same tokenizer for the same texts', () => {
    expect(trainByteLevelBpe({ texts: corpus.slice(0, 800), vocabSize: 600 })).toEqual(trainByteLevelBpe({ texts: corpus.slice(0, 800), vocabSize: 600 }));
  });

  it('writes a tokenizer_config.json for ChatML: no BOS, <|im_end|> ends a turn, <|endoftext|> pads', () => {
    const config = trained.tokenizerConfig;
    expect(config).toMatchObject({ bos_token: null, eos_token: '<|im_end|>', pad_token: '<|endoftext|>', tokenizer_class: 'PreTrainedTokenizerFast' });
    expect(config.added_tokens_decoder['1']).toMatchObject({ content: '<|im_start|>', special: true });
    expect(config.model_max_length).toBeGreaterThan(0);
  });

  it('writes a chat template that renders conversations as the corpus does, generation prompt included', () => {
    const messages: ChatmlMessage[] = [
      { role: 'system', content: 'Reply with one label: a or b.' },
      { role: 'user', content: 'Which one?' },
      { role: 'assistant', content: 'a' },
      { role: 'user', content: 'And now?' },
    ];
    const template = new Template(trained.tokenizerConfig.chat_template);
    expect(template.render({ messages, add_generation_prompt: true })).toBe(renderChatml(messages, { addGenerationPrompt: true }));
    expect(template.render({ messages: messages.slice(0, 3), add_generation_prompt: false })).toBe(renderChatml(messages.slice(0, 3)));
  });

  it('refuses a vocabSize too small to hold the special tokens and the 256 bytes', () => {
    expect(() => trainByteLevelBpe({ texts: corpus, vocabSize: 258 })).toThrow(UsageError);
    expect(() => trainByteLevelBpe({ texts: corpus, vocabSize: 258 })).toThrow(/from 259/);
  });

  it('refuses to stop short when the text cannot fill the vocabulary', () => {
    expect(() => trainByteLevelBpe({ texts: ['tiny text'], vocabSize: 1024 })).toThrow(/give more text or a smaller vocabSize/);
  });

  it('refuses special tokens without the pad and end-of-turn tokens', () => {
    expect(() => trainByteLevelBpe({ texts: corpus, vocabSize: 1024, specialTokens: ['<|im_start|>'] })).toThrow(/must include "<\|endoftext\|>"/);
  });
});
