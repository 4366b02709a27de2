// What the router records for every request it serves, and how records are summed. No I/O here.
import { z } from 'zod';

/** One served request, as appended to the usage stream. */
export const usageRecord = z.object({
  schemaVersion: z.literal(1),
  /** ISO time the request finished. */
  at: z.string(),
  /** The `model` the client asked for, as sent. */
  model: z.string(),
  /** What answered: `NAME@vN`, the base model id, or `fallback:MODEL`. */
  servedBy: z.string(),
  /** `NAME@vN` when an adapter answered, else null. */
  adapterVersion: z.string().nullable(),
  promptTokens: z.number().int().nonnegative(),
  completionTokens: z.number().int().nonnegative(),
  /** Null when the price is unknown (no --usd-per-hour, no catalog price): never 0 for unknown. */
  usd: z.number().nonnegative().nullable(),
  /** Id of the API key that sent it; null with --no-auth. */
  keyId: z.string().nullable(),
  /** Why a fallback answered, or null. */
  fallback: z.string().nullable(),
  /** Answered from the exact-match response cache. */
  cached: z.boolean(),
  stream: z.boolean(),
  latencyMs: z.number().nonnegative(),
});

export type UsageRecord = z.infer<typeof usageRecord>;

/** The grouping `lora usage --by` offers. */
export const usageGroupings = ['model', 'key'] as const;
export type UsageGrouping = (typeof usageGroupings)[number];

/** Sums of one group. `usd` adds the known costs and is null only when none was known; `unpricedRequests` says how many were not. */
export interface UsageTotals {
  group: string;
  requests: number;
  promptTokens: number;
  completionTokens: number;
  usd: number | null;
  unpricedRequests: number;
}

/** Totals per group (sorted by name) and over everything. */
export interface UsageSummary {
  by: UsageGrouping;
  groups: UsageTotals[];
  total: UsageTotals;
}

/** The name records without an API key are grouped under. */
export const anonymousGroup = '(no key)';

function emptyTotals(group: string): UsageTotals {
  return { group, requests: 0, promptTokens: 0, completionTokens: 0, usd: null, unpricedRequests: 0 };
}

function add(totals: UsageTotals, record: UsageRecord): void {
  totals.requests += 1;
  totals.promptTokens += record.promptTokens;
  totals.completionTokens += record.completionTokens;
  if (record.usd === null) totals.unpricedRequests += 1;
  else totals.usd = (totals.usd ?? 0) + record.usd;
}

/**
 * Sums usage records by model or by API key. `keyNames` maps key ids to names for display.
 * @example summariseUsage(records, 'key', new Map([['k1', 'billing']]))
 */
export function summariseUsage(records: Iterable<UsageRecord>, by: UsageGrouping, keyNames: ReadonlyMap<string, string> = new Map()): UsageSummary {
  const groups = new Map<string, UsageTotals>();
  const total = emptyTotals('total');
  for (const record of records) {
    const group = by === 'model' ? record.model : record.keyId === null ? anonymousGroup : (keyNames.get(record.keyId) ?? record.keyId);
    let totals = groups.get(group);
    if (totals === undefined) groups.set(group, (totals = emptyTotals(group)));
    add(totals, record);
    add(total, record);
  }
  return { by, groups: [...groups.values()].sort((left, right) => left.group.localeCompare(right.group)), total };
}
