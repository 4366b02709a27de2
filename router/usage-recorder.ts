import type { Logger } from '../core/index.js';
import type { CompletionCall } from './completion-call.js';
import type { RouterMetrics } from './router-metrics.js';
import type { UsageLog } from './usage-log.js';

/** What one served request used and cost, and what served it. */
export interface ServedRequest {
  /** The metrics label: the base model id, the adapter name, or `unresolved`. */
  label: string;
  servedBy: string;
  adapterVersion: string | null;
  promptTokens: number;
  completionTokens: number;
  usd: number | null;
  fallback: string | null;
  cached: boolean;
}

/**
 * Counts a served request's tokens and cost in the metrics and appends its usage record. A Redis failure is
 * logged, not returned: the client has its answer either way.
 */
export async function recordServed(services: { usage: UsageLog; metrics: RouterMetrics; log: Logger }, call: CompletionCall, startedAt: number, served: ServedRequest): Promise<void> {
  const { metrics } = services;
  metrics.promptTokens.inc({ model: served.label }, served.promptTokens);
  metrics.completionTokens.inc({ model: served.label }, served.completionTokens);
  if (served.usd !== null) metrics.costUsd.inc({ model: served.label }, served.usd);
  try {
    await services.usage.append({
      schemaVersion: 1,
      at: new Date().toISOString(),
      model: call.model,
      servedBy: served.servedBy,
      adapterVersion: served.adapterVersion,
      promptTokens: served.promptTokens,
      completionTokens: served.completionTokens,
      usd: served.usd,
      keyId: call.keyId,
      fallback: served.fallback,
      cached: served.cached,
      stream: call.stream,
      latencyMs: Math.max(0, performance.now() - startedAt),
    });
  } catch (error) {
    services.log.error({ err: error, event: 'usage-record-failed', model: call.model }, `could not record usage of a request to ${call.model}: ${(error as Error).message}`);
  }
}
