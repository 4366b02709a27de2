// The built-in price list. Prices change: each entry names its source and the date it applies from, and a project
// can override any of them (see loadPriceCatalog).
import type { PriceCatalog } from './price-contracts.js';

/** List prices in USD per 1M tokens, as read from each provider's pricing page. */
export const builtInPriceCatalog = {
  version: '2026-12-04',
  entries: [
    {
      provider: 'openai',
      model: 'gpt-5.2',
      inputPer1M: 1.75,
      cachedInputPer1M: 0.175,
      outputPer1M: 14.0,
      effectiveDate: '2025-12-11',
      source: 'https://openai.com/api/pricing',
    },
    {
      provider: 'openai',
      model: 'gpt-5.2-pro',
      inputPer1M: 21.0,
      cachedInputPer1M: null,
      outputPer1M: 168.0,
      effectiveDate: '2025-12-11',
      source: 'https://openai.com/api/pricing',
    },
    {
      provider: 'google',
      model: 'gemini-2.0-flash-lite',
      inputPer1M: 0.075,
      cachedInputPer1M: null,
      outputPer1M: 0.3,
      effectiveDate: '2025-02-25',
      source: 'https://ai.google.dev/gemini-api/docs/pricing',
    },
    {
      provider: 'deepseek',
      model: 'deepseek-v3.2',
      // Input is billed per cache miss; cache hits are the cached price.
      inputPer1M: 0.28,
      cachedInputPer1M: 0.028,
      outputPer1M: 0.42,
      effectiveDate: '2025-09-29',
      source: 'https://api-docs.deepseek.com/quick_start/pricing',
    },
  ],
} as const satisfies PriceCatalog;
