import OpenAI, { APIError, APIUserAbortError, type ClientOptions } from 'openai';
import type { ChatCompletionChunk, ChatCompletionCreateParamsNonStreaming, ChatCompletionCreateParamsStreaming } from 'openai/resources/chat/completions';
import type { Completion, CompletionCreateParamsNonStreaming, CompletionCreateParamsStreaming } from 'openai/resources/completions';
import type { Endpoint } from './openai-shapes.js';
import { RouterError } from './router-error.js';

/** Token usage of an upstream answer, cached prompt tokens included when the upstream reports them. */
export interface UpstreamUsage {
  promptTokens: number;
  cachedPromptTokens: number;
  completionTokens: number;
}

/** An OpenAI-compatible service that answers what the adapters cannot. */
export interface FallbackUpstream {
  /** The upstream model every fallback request is sent to. */
  readonly model: string;
  /** USD of `usage` at the upstream model's price, or null when no price is known. */
  cost(usage: UpstreamUsage): number | null;
  /** Sends a request body (the client's, with the model replaced) and returns the upstream's answer. */
  create(endpoint: Endpoint, body: Record<string, unknown>, signal: AbortSignal): Promise<Record<string, unknown>>;
  /** The same, streamed: the upstream's chunks as they come, the last with usage. */
  stream(endpoint: Endpoint, body: Record<string, unknown>, signal: AbortSignal): Promise<AsyncIterable<Record<string, unknown>>>;
}

/** Options of the production upstream; `fetch` lets tests and proxies pass their own. */
export interface OpenAiUpstreamOptions {
  baseUrl: string;
  model: string;
  apiKey?: string;
  timeoutMs: number;
  /** USD of a request's usage; defaults to unknown. */
  cost?: (usage: UpstreamUsage) => number | null;
  fetch?: ClientOptions['fetch'];
}

/** Reads usage off an upstream body or chunk, if it has any. */
export function upstreamUsage(body: Record<string, unknown>): UpstreamUsage | undefined {
  const usage = body.usage as { prompt_tokens?: number; completion_tokens?: number; prompt_tokens_details?: { cached_tokens?: number } | null } | null | undefined;
  if (usage === null || usage === undefined || typeof usage.prompt_tokens !== 'number' || typeof usage.completion_tokens !== 'number') return undefined;
  return { promptTokens: usage.prompt_tokens, cachedPromptTokens: usage.prompt_tokens_details?.cached_tokens ?? 0, completionTokens: usage.completion_tokens };
}

/** Turns an upstream failure into the router's answer: the upstream's 4xx as it came, anything else as 502. */
function upstreamError(error: unknown, baseUrl: string): unknown {
  if (error instanceof APIUserAbortError) return error;
  if (error instanceof APIError && typeof error.status === 'number' && error.status >= 400 && error.status < 500) {
    return new RouterError(`fallback upstream ${baseUrl}: ${error.message}`, { status: error.status, code: error.code ?? 'upstream_error', param: error.param ?? null, cause: error });
  }
  return new RouterError(`fallback upstream ${baseUrl} failed: ${(error as Error).message}; check that it is reachable and healthy`, {
    status: 502,
    type: 'upstream_error',
    code: 'upstream_unavailable',
    cause: error,
  });
}

/** A fallback through the official OpenAI client at `baseUrl` (OpenAI itself, vLLM, a gateway). */
export function createOpenAiUpstream(options: OpenAiUpstreamOptions): FallbackUpstream {
  // Keyless local servers still need a non-empty key for the client to start.
  const client = new OpenAI({ baseURL: options.baseUrl, apiKey: options.apiKey || 'no-key-needed', timeout: options.timeoutMs, maxRetries: 1, ...(options.fetch ? { fetch: options.fetch } : {}) });
  const withModel = (body: Record<string, unknown>) => ({ ...body, model: options.model });
  return {
    model: options.model,
    cost: options.cost ?? (() => null),
    async create(endpoint, body, signal) {
      try {
        const request = { ...withModel(body), stream: false };
        const answer =
          endpoint === 'chat'
            ? await client.chat.completions.create(request as unknown as ChatCompletionCreateParamsNonStreaming, { signal })
            : await client.completions.create(request as unknown as CompletionCreateParamsNonStreaming, { signal });
        return answer as unknown as Record<string, unknown>;
      } catch (error) {
        throw upstreamError(error, options.baseUrl);
      }
    },
    async stream(endpoint, body, signal) {
      // Usage is always asked for, so that the request can be billed; the router drops it unless the client asked too.
      const request = { ...withModel(body), stream: true, stream_options: { include_usage: true } };
      try {
        const chunks =
          endpoint === 'chat'
            ? await client.chat.completions.create(request as unknown as ChatCompletionCreateParamsStreaming, { signal })
            : await client.completions.create(request as unknown as CompletionCreateParamsStreaming, { signal });
        return mapErrors(chunks as AsyncIterable<ChatCompletionChunk | Completion>, options.baseUrl);
      } catch (error) {
        throw upstreamError(error, options.baseUrl);
      }
    },
  };
}

async function* mapErrors(chunks: AsyncIterable<ChatCompletionChunk | Completion>, baseUrl: string): AsyncGenerator<Record<string, unknown>> {
  try {
    for await (const chunk of chunks) yield chunk as unknown as Record<string, unknown>;
  } catch (error) {
    throw upstreamError(error, baseUrl);
  }
}
