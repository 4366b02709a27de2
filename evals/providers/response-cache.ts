import { z } from 'zod';
import { canonicalJson, sha256Hex, type ArtifactStore } from '../../core/index.js';
import type { ChatRequest, ChatResponse } from './chat-provider.js';

/** A request as the cache sees it: what was asked, and of which model at which endpoint. */
export interface CachedChatRequest extends ChatRequest {
  endpoint: string;
  model: string;
}

/** Where cached responses live in the store; the first two hex digits fan them out over folders. */
export const responseCachePrefix = 'evals/cache/';

/** A cache document. Only the response is kept: the key already says which request it answers. */
const cachedResponseDocument = z.object({
  schemaVersion: z.literal(1),
  endpoint: z.string(),
  model: z.string(),
  response: z.object({
    text: z.string(),
    usage: z.object({
      promptTokens: z.number().int().min(0),
      cachedPromptTokens: z.number().int().min(0),
      completionTokens: z.number().int().min(0),
    }),
    latencyMs: z.number().min(0),
    finishReason: z.string().nullable(),
  }),
});

/**
 * Paid responses kept in an artifact store, so that re-running an eval never pays for the same completion twice.
 * The key covers everything that changes the answer: endpoint, model, messages, max tokens, temperature, seed and stop.
 * Responses at a temperature above 0 are cached too: a re-run reproduces the first run instead of re-sampling.
 */
export class ResponseCache {
  constructor(private readonly store: ArtifactStore) {}

  /** The store key of a request's response: `evals/cache/<first two hex digits>/<sha256>.json`. */
  keyOf(request: CachedChatRequest): string {
    const hash = sha256Hex(
      canonicalJson({
        endpoint: request.endpoint,
        model: request.model,
        messages: request.messages.map((message) => ({ role: message.role, content: message.content })),
        maxTokens: request.maxTokens,
        temperature: request.temperature,
        seed: request.seed ?? null,
        stop: request.stop ?? null,
      }),
    );
    return `${responseCachePrefix}${hash.slice(0, 2)}/${hash}.json`;
  }

  /** The cached response with `cached: true` and its original usage and latency, or undefined on a miss. An unreadable entry counts as a miss and is overwritten by the next `put`. */
  async get(request: CachedChatRequest): Promise<ChatResponse | undefined> {
    const parsed = cachedResponseDocument.safeParse(await this.store.readJson(this.keyOf(request)));
    if (!parsed.success) return undefined;
    return { ...parsed.data.response, cached: true };
  }

  /** Keeps a paid response; a response that itself came from the cache is not written again. */
  async put(request: CachedChatRequest, response: ChatResponse): Promise<void> {
    if (response.cached) return;
    const { text, usage, latencyMs, finishReason } = response;
    await this.store.writeJson(this.keyOf(request), {
      schemaVersion: 1,
      endpoint: request.endpoint,
      model: request.model,
      response: { text, usage, latencyMs, finishReason },
    } satisfies z.infer<typeof cachedResponseDocument>);
  }
}
