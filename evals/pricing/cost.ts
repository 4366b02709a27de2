// What requests and compute cost, in USD. Unknown is null with a reason, never 0: a missing price must not make
// a model look free.
import { InputError, UsageError } from '../../core/index.js';
import type { PriceEntry } from './price-contracts.js';

/** Token counts of one request or of many added up. */
export interface TokenUsage {
  /** All prompt tokens, the cached ones included (as OpenAI and DeepSeek report them). */
  promptTokens: number;
  /** The part of promptTokens served from the provider's cache; 0 when absent. */
  cachedPromptTokens?: number;
  completionTokens: number;
}

/** A cost in USD, or null with the reason it is unknown. */
export type Cost = { usd: number; reason?: undefined } | { usd: null; reason: string };

const tokensPerPrice = 1_000_000;

function checkCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 0) throw new InputError(`token usage: "${name}" must be a whole number >= 0, got ${value}`, { code: 'usage-invalid' });
}

/**
 * The USD cost of `usage` at the prices of `entry`: uncached prompt tokens at the input price, cached ones at the
 * cached price, completion tokens at the output price. Null when there is no price, or when cached tokens were
 * used and their price is unknown.
 *
 * @example
 * tokenCost({ promptTokens: 1_000_000, completionTokens: 1_000_000 }, findPrice(catalog, 'openai:gpt-5.2')); // { usd: 15.75 }
 */
export function tokenCost(usage: TokenUsage, entry: PriceEntry | undefined): Cost {
  const { promptTokens, cachedPromptTokens = 0, completionTokens } = usage;
  checkCount('promptTokens', promptTokens);
  checkCount('cachedPromptTokens', cachedPromptTokens);
  checkCount('completionTokens', completionTokens);
  if (cachedPromptTokens > promptTokens) {
    throw new InputError(`token usage: "cachedPromptTokens" (${cachedPromptTokens}) must not exceed "promptTokens" (${promptTokens}); cached tokens are part of the prompt`, {
      code: 'usage-invalid',
    });
  }
  if (entry === undefined) return { usd: null, reason: 'no price for this model in the catalog; add one to the project price overrides' };
  let cachedUsd = 0;
  if (cachedPromptTokens > 0) {
    if (entry.cachedInputPer1M === null) {
      return {
        usd: null,
        reason: `${cachedPromptTokens} cached prompt tokens but no cached input price for ${entry.provider}:${entry.model}; add "cachedInputPer1M" in the project price overrides`,
      };
    }
    cachedUsd = (cachedPromptTokens * entry.cachedInputPer1M) / tokensPerPrice;
  }
  const uncachedUsd = ((promptTokens - cachedPromptTokens) * entry.inputPer1M) / tokensPerPrice;
  const outputUsd = (completionTokens * entry.outputPer1M) / tokensPerPrice;
  return { usd: uncachedUsd + cachedUsd + outputUsd };
}

/** The sum of several costs; unknown (with the first reason) as soon as any part is unknown. */
export function sumCosts(costs: Iterable<Cost>): Cost {
  let usd = 0;
  for (const cost of costs) {
    if (cost.usd === null) return cost;
    usd += cost.usd;
  }
  return { usd };
}

/** USD of compute: measured seconds at a configured price per GPU-hour (for the adapter, which has no token price). */
export function computeCost(usdPerHour: number, seconds: number): number {
  if (!Number.isFinite(usdPerHour) || usdPerHour < 0) throw new UsageError(`compute cost: the price per hour must be a finite number >= 0, got ${usdPerHour}`);
  if (!Number.isFinite(seconds) || seconds < 0) throw new UsageError(`compute cost: the seconds must be a finite number >= 0, got ${seconds}`);
  return (usdPerHour * seconds) / 3600;
}

/** Totals of a run, to normalise. */
export interface CostTotals {
  totalUsd: number | null;
  requests: number;
  promptTokens: number;
  completionTokens: number;
}

/** A total cost per unit of work. Null when the total is unknown or there was no work to divide by. */
export interface CostSummary {
  /** USD per 1M tokens, prompt and completion together. */
  usdPer1MTokens: number | null;
  usdPer1kRequests: number | null;
}

/** Cost per 1M tokens (prompt + completion) and per 1000 requests. */
export function costSummary(totals: CostTotals): CostSummary {
  const { totalUsd, requests, promptTokens, completionTokens } = totals;
  for (const [name, value] of [['requests', requests], ['promptTokens', promptTokens], ['completionTokens', completionTokens]] as const) {
    if (!Number.isFinite(value) || value < 0) throw new UsageError(`cost summary: "${name}" must be a finite number >= 0, got ${value}`);
  }
  if (totalUsd !== null && (!Number.isFinite(totalUsd) || totalUsd < 0)) {
    throw new UsageError(`cost summary: "totalUsd" must be null or a finite number >= 0, got ${totalUsd}`);
  }
  const tokens = promptTokens + completionTokens;
  return {
    usdPer1MTokens: totalUsd === null || tokens === 0 ? null : (totalUsd * tokensPerPrice) / tokens,
    usdPer1kRequests: totalUsd === null || requests === 0 ? null : (totalUsd * 1000) / requests,
  };
}

/**
 * candidate / baseline: below 1 the candidate is cheaper. Null when either is unknown or the baseline costs
 * nothing (no ratio to a zero baseline).
 */
export function costRatio(candidate: number | null, baseline: number | null): number | null {
  if (candidate === null || baseline === null || baseline === 0) return null;
  return candidate / baseline;
}
