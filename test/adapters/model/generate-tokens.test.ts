import { beforeAll, describe, expect, it } from 'vitest';
import { generateTokens, type GenerationTokenizer } from '../../../adapters/model/generate-tokens.js';
import { sampleToken } from '../../../adapters/model/token-sampler.js';
import { selectBackend } from '../../../adapters/model/tensor-backend.js';
import { randomDecoder } from './decoder-fixture.js';

// Token i decodes to one letter, so stop strings and text are easy to read; 60 is end-of-sequence.
const letters: GenerationTokenizer = {
  decode: (ids) => ids.filter((id) => id !== 60).map((id) => String.fromCharCode(97 + (id % 26))).join(''),
  eosTokenIds: [60],
  padTokenId: 0,
};

beforeAll(async () => {
  await selectBackend('cpu');
});

describe('generation', () => {
  it('produces the same tokens with the KV cache as by full recomputation', async () => {
    const decoder = randomDecoder();
    const prompts = [[1, 2, 3], [5, 6, 7, 8, 9], [11]];
    const cached = await generateTokens(decoder, letters, prompts, { maxTokens: 10 });
    const recomputed = await generateTokens(decoder, letters, prompts, { maxTokens: 10, useCache: false });
    expect(cached.map((result) => result.tokenIds)).toEqual(recomputed.map((result) => result.tokenIds));
  });

  it('gives each prompt in a padded batch the result it gets alone', async () => {
    const decoder = randomDecoder();
    const batch = await generateTokens(decoder, letters, [[1, 2, 3], [5, 6, 7, 8, 9]], { maxTokens: 8 });
    const alone = await generateTokens(decoder, letters, [[1, 2, 3]], { maxTokens: 8 });
    expect(batch[0]?.tokenIds).toEqual(alone[0]?.tokenIds);
  });

  it('reports usage as prompt and completion token counts', async () => {
    const [result] = await generateTokens(randomDecoder(), letters, [[4, 5, 6, 7]], { maxTokens: 6 });
    expect(result?.usage).toEqual({ prompt_tokens: 4, completion_tokens: result?.tokenIds.length });
    expect(result?.finishReason).toBe('length');
    expect(result?.tokenIds).toHaveLength(6);
  });

  it('repeats a seeded sample and varies it with the seed', async () => {
    const decoder = randomDecoder();
    const options = { maxTokens: 12, temperature: 1.5, topP: 0.95 };
    const first = await generateTokens(decoder, letters, [[1, 2]], { ...options, seed: 1 });
    const again = await generateTokens(decoder, letters, [[1, 2]], { ...options, seed: 1 });
    const other = await generateTokens(decoder, letters, [[1, 2]], { ...options, seed: 2 });
    expect(again[0]?.tokenIds).toEqual(first[0]?.tokenIds);
    expect(other[0]?.tokenIds).not.toEqual(first[0]?.tokenIds);
  });

  it('ends before a stop sequence and leaves it out of the text', async () => {
    const decoder = randomDecoder();
    const [free] = await generateTokens(decoder, letters, [[1, 2, 3]], { maxTokens: 10 });
    const stop = free!.text.slice(3, 5);
    const [stopped] = await generateTokens(decoder, letters, [[1, 2, 3]], { maxTokens: 10, stop: [stop] });
    expect(stopped?.finishReason).toBe('stop');
    expect(stopped?.text).toBe(free!.text.slice(0, free!.text.indexOf(stop)));
  });

  it('refuses a prompt that does not fit in the context with the max tokens', async () => {
    await expect(generateTokens(randomDecoder(), letters, [new Array(120).fill(1)], { maxTokens: 20 })).rejects.toMatchObject({ code: 'context-exceeded' });
  });
});

describe('sampling', () => {
  it('picks the top token when top-p keeps only it', () => {
    expect(sampleToken([0.1, 5, 0.2], { temperature: 1, topP: 0.01 }, () => 0.99)).toBe(1);
  });

  it('draws tokens in proportion to their probability', () => {
    const logits = [Math.log(1), Math.log(3)];
    let state = 1;
    const random = () => ((state = (state * 48271) % 2147483647) / 2147483647);
    let ones = 0;
    for (let draw = 0; draw < 4000; draw += 1) ones += sampleToken(logits, { temperature: 1, topP: 1 }, random);
    expect(ones / 4000).toBeGreaterThan(0.7);
    expect(ones / 4000).toBeLessThan(0.8);
  });
});
