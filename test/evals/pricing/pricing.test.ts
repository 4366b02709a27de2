import { describe, expect, it } from 'vitest';
import { ConfigError, InputError, UsageError } from '../../../core/index.js';
import {
  builtInPriceCatalog,
  computeCost,
  costRatio,
  costSummary,
  findPrice,
  loadPriceCatalog,
  priceEntry,
  sumCosts,
  tokenCost,
} from '../../../evals/pricing/index.js';

const catalog = loadPriceCatalog();

function caught(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to throw');
}

describe('price catalog', () => {
  it('holds valid, dated and sourced entries in its built-in list', () => {
    expect(builtInPriceCatalog.version).toBe('2026-12-04');
    for (const entry of builtInPriceCatalog.entries) expect(priceEntry.safeParse(entry).success).toBe(true);
  });

  it('finds a model by provider and model, without regard to case', () => {
    expect(findPrice(catalog, 'openai', 'gpt-5.2')).toMatchObject({ inputPer1M: 1.75, cachedInputPer1M: 0.175, outputPer1M: 14 });
    expect(findPrice(catalog, 'OpenAI', 'GPT-5.2-Pro')).toMatchObject({ inputPer1M: 21, cachedInputPer1M: null, outputPer1M: 168 });
  });

  it('accepts a provider:model reference', () => {
    expect(findPrice(catalog, 'google:gemini-2.0-flash-lite')).toMatchObject({ inputPer1M: 0.075, outputPer1M: 0.3 });
    expect(findPrice(catalog, 'deepseek:DeepSeek-V3.2')).toMatchObject({ inputPer1M: 0.28, cachedInputPer1M: 0.028, outputPer1M: 0.42 });
  });

  it('returns undefined for a model it does not know, and refuses a reference without a provider', () => {
    expect(findPrice(catalog, 'openai', 'gpt-9')).toBeUndefined();
    expect(findPrice(catalog, 'google:gpt-5.2')).toBeUndefined();
    expect(() => findPrice(catalog, 'gpt-5.2')).toThrow(UsageError);
  });

  it('lets a project override a price and add a model', () => {
    const overridden = loadPriceCatalog([
      { provider: 'OpenAI', model: 'gpt-5.2', inputPer1M: 1.5, outputPer1M: 12, effectiveDate: '2026-01-01', source: 'contract 42' },
      { provider: 'local', model: 'qwen3-8b', inputPer1M: 0.01, outputPer1M: 0.02, effectiveDate: '2026-02-01' },
    ]);
    expect(overridden.version).toBe('2026-12-04');
    expect(findPrice(overridden, 'openai:gpt-5.2')).toMatchObject({ inputPer1M: 1.5, cachedInputPer1M: null, source: 'contract 42' });
    expect(findPrice(overridden, 'local:qwen3-8b')).toMatchObject({ source: 'project override', cachedInputPer1M: null });
    expect(overridden.entries.filter((entry) => entry.model.toLowerCase() === 'gpt-5.2')).toHaveLength(1);
    expect(findPrice(catalog, 'openai:gpt-5.2')?.inputPer1M).toBe(1.75);
  });

  it('names the field of a bad override, what it expected and what it found', () => {
    const error = caught(() =>
      loadPriceCatalog([
        { provider: 'openai', model: 'gpt-5.2', inputPer1M: 1.75, outputPer1M: 14, effectiveDate: '2026-01-01' },
        { provider: 'openai', model: 'gpt-x', inputPer1M: '1.75', outputPer1M: -1, effectiveDate: '1 Jan 2026', cost: 3 },
      ]),
    );
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toMatch(/"\[1\]\.inputPer1M" must be a number, got "1\.75"/);
    expect(message).toMatch(/"\[1\]\.outputPer1M" must be >= 0, got -1/);
    expect(message).toMatch(/"\[1\]\.effectiveDate" must be a valid date/);
    expect(message).toMatch(/"\[1\]\.cost" is not a known key/);
    expect((error as ConfigError).issues.map((issue) => issue.path)).toContain('[1].inputPer1M');
  });

  it('refuses overrides that are not a list, and the same model twice', () => {
    expect(() => loadPriceCatalog({ provider: 'openai' })).toThrow(ConfigError);
    expect(() =>
      loadPriceCatalog([
        { provider: 'x', model: 'm', inputPer1M: 1, outputPer1M: 1, effectiveDate: '2026-01-01' },
        { provider: 'X', model: 'M', inputPer1M: 2, outputPer1M: 2, effectiveDate: '2026-01-01' },
      ]),
    ).toThrow(/"\[1\]" repeats X:M from \[0\]/);
  });
});

describe('token cost', () => {
  it('prices 1M input and 1M output tokens of GPT-5.2 at $15.75', () => {
    const cost = tokenCost({ promptTokens: 1_000_000, completionTokens: 1_000_000 }, findPrice(catalog, 'openai:gpt-5.2'));
    expect(cost.usd).toBeCloseTo(15.75, 10);
  });

  it('prices DeepSeek cache hits at $0.028 and misses at $0.28 per 1M', () => {
    const deepseek = findPrice(catalog, 'deepseek:deepseek-v3.2');
    expect(tokenCost({ promptTokens: 1_000_000, cachedPromptTokens: 1_000_000, completionTokens: 0 }, deepseek).usd).toBeCloseTo(0.028, 12);
    // 600k misses at 0.28 + 400k hits at 0.028 + 100k output at 0.42.
    expect(tokenCost({ promptTokens: 1_000_000, cachedPromptTokens: 400_000, completionTokens: 100_000 }, deepseek).usd).toBeCloseTo(0.2212, 12);
  });

  it('is unknown, with a reason, for a model without a price', () => {
    const cost = tokenCost({ promptTokens: 10, completionTokens: 10 }, findPrice(catalog, 'openai:gpt-9'));
    expect(cost.usd).toBeNull();
    expect(cost.reason).toMatch(/no price for this model/);
  });

  it('is unknown when cached tokens were used and their price is unknown, but priced when none were', () => {
    const pro = findPrice(catalog, 'openai:gpt-5.2-pro');
    const cached = tokenCost({ promptTokens: 1000, cachedPromptTokens: 200, completionTokens: 0 }, pro);
    expect(cached.usd).toBeNull();
    expect(cached.reason).toMatch(/cachedInputPer1M/);
    expect(tokenCost({ promptTokens: 1_000_000, cachedPromptTokens: 0, completionTokens: 0 }, pro).usd).toBeCloseTo(21, 10);
  });

  it('rejects more cached tokens than prompt tokens', () => {
    expect(() => tokenCost({ promptTokens: 10, cachedPromptTokens: 11, completionTokens: 0 }, findPrice(catalog, 'openai:gpt-5.2'))).toThrow(InputError);
  });

  it('sums to unknown as soon as one part is unknown', () => {
    expect(sumCosts([{ usd: 1 }, { usd: 2.5 }]).usd).toBe(3.5);
    expect(sumCosts([{ usd: 1 }, { usd: null, reason: 'no price' }])).toEqual({ usd: null, reason: 'no price' });
  });
});

describe('compute and summary costs', () => {
  it('prices measured seconds at a configured price per GPU-hour', () => {
    expect(computeCost(2.4, 1800)).toBeCloseTo(1.2, 12);
    expect(() => computeCost(-1, 10)).toThrow(UsageError);
  });

  it('gives the cost per 1k requests and per 1M tokens', () => {
    const summary = costSummary({ totalUsd: 3, requests: 500, promptTokens: 1_500_000, completionTokens: 500_000 });
    expect(summary.usdPer1kRequests).toBeCloseTo(6, 12);
    expect(summary.usdPer1MTokens).toBeCloseTo(1.5, 12);
  });

  it('keeps an unknown total unknown, and does not divide by no work', () => {
    expect(costSummary({ totalUsd: null, requests: 10, promptTokens: 10, completionTokens: 10 })).toEqual({ usdPer1MTokens: null, usdPer1kRequests: null });
    expect(costSummary({ totalUsd: 1, requests: 0, promptTokens: 0, completionTokens: 0 })).toEqual({ usdPer1MTokens: null, usdPer1kRequests: null });
  });

  it('gives the cost ratio of candidate to baseline, or null when it has no meaning', () => {
    expect(costRatio(0.5, 10)).toBeCloseTo(0.05, 12);
    expect(costRatio(null, 10)).toBeNull();
    expect(costRatio(1, null)).toBeNull();
    expect(costRatio(1, 0)).toBeNull();
  });
});
