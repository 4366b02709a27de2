// Baselines an adapter is compared with: any OpenAI-compatible endpoint, or responses recorded in the dataset.
// Internal, not exported: the retry loop's attempt errors and the response body parser.
export type { ChatProvider, ChatRequest, ChatResponse, ChatUsage } from './chat-provider.js';
export { createOpenAiCompatibleProvider, defaultOpenAiBaseUrl, type OpenAiCompatibleProviderOptions, type ProviderLog } from './openai-compatible-provider.js';
export { ProviderError } from './provider-error.js';
export { ResponseCache, responseCachePrefix, type CachedChatRequest } from './response-cache.js';
export { createRecordedProvider, type RecordedItem } from './recorded-provider.js';
export { parseBaselineSpec, providersConfig, providerConfigEntry, type BaselineSpec, type BaselineSpecOptions, type ProvidersConfig } from './provider-spec.js';
export { createBaselineProvider, type BaselineProviderDependencies } from './create-baseline-provider.js';
export { retryDelayMs, requestedRetryDelayMs, maxRetryDelayMs } from './retry-delay.js';
