import { ConfigError, UsageError } from '../../core/index.js';
import type { ChatProvider } from './chat-provider.js';
import { createOpenAiCompatibleProvider, type OpenAiCompatibleProviderOptions } from './openai-compatible-provider.js';
import type { BaselineSpec } from './provider-spec.js';
import { createRecordedProvider, type RecordedItem } from './recorded-provider.js';

/** Everything a baseline needs besides its spec; the live ones share the cache, limits and log. */
export interface BaselineProviderDependencies extends Omit<OpenAiCompatibleProviderOptions, 'model' | 'baseUrl' | 'apiKey' | 'apiKeyEnv' | 'id'> {
  /** The dataset items with their recorded responses, for `recorded`. */
  recordedItems?: Iterable<RecordedItem>;
}

/** The key sent to configured endpoints that name no key variable, so that OPENAI_API_KEY never leaks to a third party. */
const noKey = 'no-key-needed';

/** The provider a parsed baseline spec names. */
export function createBaselineProvider(spec: BaselineSpec, dependencies: BaselineProviderDependencies = {}): ChatProvider {
  const { recordedItems, ...shared } = dependencies;
  switch (spec.kind) {
    case 'recorded':
      if (recordedItems === undefined) throw new UsageError('baseline "recorded" needs a dataset whose items carry a recordedResponse', { code: 'baseline-invalid' });
      return createRecordedProvider(recordedItems);
    case 'openai':
      return createOpenAiCompatibleProvider({ ...shared, model: spec.model, id: `openai:${spec.model}` });
    case 'router':
    case 'named': {
      const id = spec.kind === 'router' ? `router:${spec.model}` : `${spec.provider}:${spec.model}`;
      return createOpenAiCompatibleProvider({ ...shared, model: spec.model, id, baseUrl: spec.baseUrl, ...keyOf(spec.apiKeyEnv, id, shared.env) });
    }
  }
}

/** The key options of a configured endpoint: its variable, which must then be set, or no key at all. */
function keyOf(apiKeyEnv: string | undefined, id: string, env: Record<string, string | undefined> = process.env): Pick<OpenAiCompatibleProviderOptions, 'apiKey' | 'apiKeyEnv'> {
  if (apiKeyEnv === undefined) return { apiKey: noKey };
  if (!env[apiKeyEnv]) throw new ConfigError(`baseline "${id}" reads its API key from ${apiKeyEnv}, which is not set; set ${apiKeyEnv}`);
  return { apiKeyEnv };
}
