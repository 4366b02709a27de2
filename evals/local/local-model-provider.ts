import type { ArtifactStore, Logger } from '../../core/index.js';
import { LanguageModel, loadStoredAdapter as buildStoredAdapter, resolveModel, type BackendPreference, type ChatMessage, type LoraAdapter } from '../../adapters/index.js';
import type { ChatProvider, ChatRequest, ChatResponse } from '../providers/index.js';

/** A provider that runs a model in this process and knows how much compute it used. */
export interface LocalModelProvider extends ChatProvider {
  readonly description: string;
  /** Seconds spent generating, summed over calls: the basis of a compute-priced cost. */
  computeSeconds(): number;
}

/**
 * Answers with a model in this process, optionally with a LoRA adapter, optionally with few-shot
 * examples placed after the system message (the offline baseline: the same base model, prompted).
 */
export function createLocalModelProvider(options: { id: string; description: string; model: LanguageModel; adapter?: LoraAdapter; fewShot?: readonly ChatMessage[] }): LocalModelProvider {
  let seconds = 0;
  return {
    id: options.id,
    endpoint: `local:${options.model.identity.name}`,
    model: options.id,
    description: options.description,
    computeSeconds: () => seconds,
    async complete(request: ChatRequest, signal?: AbortSignal): Promise<ChatResponse> {
      const system = request.messages.filter((message) => message.role === 'system');
      const rest = request.messages.filter((message) => message.role !== 'system');
      const messages = [...system, ...(options.fewShot ?? []), ...rest];
      const started = performance.now();
      const [result] = await options.model.chat([messages], {
        maxTokens: request.maxTokens,
        temperature: request.temperature,
        seed: request.seed,
        stop: request.stop,
        adapter: options.adapter,
        signal,
      });
      const elapsed = performance.now() - started;
      seconds += elapsed / 1000;
      return {
        text: result!.text.trim(),
        usage: { promptTokens: result!.usage.prompt_tokens, cachedPromptTokens: 0, completionTokens: result!.usage.completion_tokens },
        latencyMs: elapsed,
        cached: false,
        finishReason: result!.finishReason,
      };
    },
  };
}

/** Loads a PEFT adapter stored under `key` onto its base model. */
export async function loadStoredAdapter(options: {
  store: ArtifactStore;
  key: string;
  baseModel: string;
  cacheDir: string;
  backend: BackendPreference;
  log?: Logger;
}): Promise<{ model: LanguageModel; adapter: LoraAdapter }> {
  const resolved = await resolveModel(options.baseModel, { store: options.store, cacheDir: options.cacheDir });
  const model = await LanguageModel.load(resolved.folder, { name: resolved.name, backend: options.backend, log: options.log });
  try {
    return { model, adapter: await buildStoredAdapter(options.store, options.key, model.config) };
  } catch (error) {
    model.dispose();
    throw error;
  }
}
