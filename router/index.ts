// The router: an OpenAI-compatible HTTP API that serves registered adapters on one shared base model, with API keys,
// rate limits, usage and cost records, metrics and a fallback upstream. It imports adapters/ and core/, nothing above.
// Internals (the handlers, the stream writer, the pool's entries) are not exported.
export { createRouter, type Router, type RouterOptions } from './router-server.js';
export { createOpenAiUpstream, type FallbackUpstream, type OpenAiUpstreamOptions, type UpstreamUsage } from './fallback-upstream.js';
export { AdapterPool, type AdapterLease, type AdapterPoolOptions } from './adapter-pool.js';
export { ApiKeyStore } from './api-key-store.js';
export { apiKeyRecord, apiKeyName, apiKeyPrefix, type ApiKeyRecord } from './api-key-contracts.js';
export { RateLimiter, type RateDecision } from './rate-limiter.js';
export { UsageLog } from './usage-log.js';
export { usageRecord, usageGroupings, summariseUsage, anonymousGroup, type UsageRecord, type UsageGrouping, type UsageSummary, type UsageTotals } from './usage-contracts.js';
export { chatCompletionRequest, completionRequest, type ChatCompletionRequest, type CompletionRequest } from './request-contracts.js';
export { RouterError, type OpenAiErrorBody, type OpenAiErrorType } from './router-error.js';
export { StopAwareStream, type PieceDecoder } from './stop-aware-stream.js';
export { createRouterMetrics, type RouterMetrics } from './router-metrics.js';
