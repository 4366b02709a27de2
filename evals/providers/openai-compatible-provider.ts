import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, type ClientOptions } from 'openai';
import pLimit from 'p-limit';
import { ConfigError, LoraError } from '../../core/index.js';
import type { ChatProvider, ChatRequest, ChatResponse } from './chat-provider.js';
import { parseChatCompletion } from './chat-completion-body.js';
import { ProviderAttemptError } from './provider-error.js';
import type { ResponseCache } from './response-cache.js';
import { retryDelayMs } from './retry-delay.js';

/** Where `openai:MODEL` goes when neither the options nor `OPENAI_BASE_URL` say otherwise. */
export const defaultOpenAiBaseUrl = 'https://api.openai.com/v1';

/** The key sent to endpoints that need none (a local vLLM or Ollama); the client refuses to start without one. */
const placeholderApiKey = 'no-key-needed';

/** Where retries are reported; a pino logger fits. */
export interface ProviderLog {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** Options of an OpenAI-compatible provider; everything but `model` has a production default. */
export interface OpenAiCompatibleProviderOptions {
  model: string;
  /** Defaults to `OPENAI_BASE_URL`, then `https://api.openai.com/v1`. */
  baseUrl?: string;
  /** Defaults to the variable `apiKeyEnv` names. */
  apiKey?: string;
  /** The environment variable holding the key, also named in error messages. Defaults to `OPENAI_API_KEY`. */
  apiKeyEnv?: string;
  /** How reports name this provider; defaults to `openai:MODEL`. */
  id?: string;
  env?: Record<string, string | undefined>;
  /** Requests in flight at once, retries and their waits included. */
  concurrency?: number;
  /** Limit of one attempt, from sending the request to the last byte of the body. */
  timeoutMs?: number;
  /** Retries after the first attempt, on 408/409/429/5xx, network errors, timeouts and malformed bodies. */
  maxRetries?: number;
  /** The first backoff when the endpoint sends no `Retry-After`; each later one doubles. */
  retryBaseDelayMs?: number;
  cache?: ResponseCache;
  fetch?: ClientOptions['fetch'];
  log?: ProviderLog;
  /**
   * The body field that carries `maxTokens`. OpenAI's reasoning models accept only `max_completion_tokens`;
   * some compatible servers know only `max_tokens`. Defaults to the first for api.openai.com, the second elsewhere.
   */
  maxTokensField?: 'max_tokens' | 'max_completion_tokens';
}

/** The base URL without trailing slashes, checked to be http(s). */
function resolveBaseUrl(options: OpenAiCompatibleProviderOptions, env: Record<string, string | undefined>): URL {
  const text = (options.baseUrl || env.OPENAI_BASE_URL || defaultOpenAiBaseUrl).replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(`baseline base URL must be an http(s) URL such as ${defaultOpenAiBaseUrl}, got ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`baseline base URL must be an http(s) URL such as ${defaultOpenAiBaseUrl}, got ${JSON.stringify(text)}`);
  }
  return url;
}

/**
 * A `ChatProvider` for any OpenAI-compatible Chat Completions endpoint (OpenAI, OpenRouter, vLLM, Ollama, LiteLLM,
 * lora's router). It answers from `cache` when it can, and otherwise retries transient failures itself with
 * backoff that honours `Retry-After`, so that retries are logged and tested; the `openai` client's own retries are off.
 * @example
 * const provider = createOpenAiCompatibleProvider({ model: 'gpt-5.2', cache: new ResponseCache(store) });
 * const { text, usage } = await provider.complete({ messages, maxTokens: 256, temperature: 0 });
 */
export function createOpenAiCompatibleProvider(options: OpenAiCompatibleProviderOptions): ChatProvider {
  const env = options.env ?? process.env;
  const apiKeyEnv = options.apiKeyEnv ?? 'OPENAI_API_KEY';
  const baseUrl = resolveBaseUrl(options, env);
  const endpoint = baseUrl.href.replace(/\/+$/, '');
  const isOpenAi = baseUrl.hostname === 'api.openai.com';
  const id = options.id ?? `openai:${options.model}`;
  const apiKey = options.apiKey || env[apiKeyEnv];
  if (!apiKey && isOpenAi) {
    throw new ConfigError(`baseline "${id}" needs an API key for ${endpoint}: set ${apiKeyEnv}`);
  }
  const timeoutMs = options.timeoutMs ?? 60_000;
  const maxRetries = options.maxRetries ?? 4;
  const retryBaseDelayMs = options.retryBaseDelayMs ?? 500;
  const maxTokensField = options.maxTokensField ?? (isOpenAi ? 'max_completion_tokens' : 'max_tokens');
  const limit = pLimit(options.concurrency ?? 8);
  const client = new OpenAI({
    apiKey: apiKey || placeholderApiKey,
    baseURL: endpoint,
    // Explicit, because the client would read them from process.env and send OpenAI's organisation headers anywhere.
    organization: isOpenAi ? (env.OPENAI_ORG_ID ?? null) : null,
    project: isOpenAi ? (env.OPENAI_PROJECT_ID ?? null) : null,
    maxRetries: 0,
    timeout: timeoutMs,
    fetch: options.fetch,
  });
  const describe = { id, endpoint, apiKeyEnv };

  /** One request, bounded by `timeoutMs` from sending to the body's last byte (the client's own timeout stops at the headers). */
  async function attempt(request: ChatRequest, signal: AbortSignal | undefined): Promise<ChatResponse> {
    const timeout = new AbortController();
    const timer = setTimeout(() => timeout.abort(), timeoutMs);
    const started = performance.now();
    let body: string;
    try {
      const response = await client.chat.completions
        .create(requestBody(options.model, request, maxTokensField), { signal: signal ? AbortSignal.any([signal, timeout.signal]) : timeout.signal })
        .asResponse();
      body = await response.text();
    } catch (error) {
      if (signal?.aborted) throw abortError(id, signal);
      if (timeout.signal.aborted || error instanceof APIConnectionTimeoutError) {
        throw new ProviderAttemptError(`${id}: ${endpoint} did not answer within ${timeoutMs} ms`, { code: 'provider-timeout', retryable: true, cause: error });
      }
      throw attemptErrorOf(error, describe);
    } finally {
      clearTimeout(timer);
    }
    return { ...parseChatCompletion(body, describe), latencyMs: Math.round(performance.now() - started), cached: false };
  }

  async function completeWithRetries(request: ChatRequest, signal: AbortSignal | undefined): Promise<ChatResponse> {
    for (let retry = 0; ; retry += 1) {
      if (signal?.aborted) throw abortError(id, signal);
      try {
        return await attempt(request, signal);
      } catch (error) {
        if (!(error instanceof ProviderAttemptError)) throw error;
        if (!error.retryable || retry >= maxRetries) throw error.final(retry + 1);
        const delayMs = Math.round(retryDelayMs(retry, error.headers, { baseDelayMs: retryBaseDelayMs }));
        options.log?.warn(
          { provider: id, endpoint, code: error.code, status: error.status, retry: retry + 1, maxRetries, delayMs },
          `${id}: ${error.message}; retry ${retry + 1} of ${maxRetries} in ${delayMs} ms`,
        );
        await sleep(delayMs, undefined, { signal }).catch(() => {
          throw abortError(id, signal!);
        });
      }
    }
  }

  return {
    id,
    endpoint,
    model: options.model,
    async complete(request, signal) {
      const cacheRequest = { ...request, endpoint, model: options.model };
      const cached = await options.cache?.get(cacheRequest);
      if (cached) return cached;
      const response = await limit(() => completeWithRetries(request, signal));
      await options.cache?.put(cacheRequest, response);
      return response;
    },
  };
}

/** The Chat Completions body; `seed` and `stop` only when given, since some servers reject fields they do not know. */
function requestBody(model: string, request: ChatRequest, maxTokensField: 'max_tokens' | 'max_completion_tokens'): OpenAI.ChatCompletionCreateParamsNonStreaming {
  return {
    model,
    messages: request.messages as OpenAI.ChatCompletionMessageParam[],
    temperature: request.temperature,
    [maxTokensField]: request.maxTokens,
    ...(request.seed === undefined ? {} : { seed: request.seed }),
    ...(request.stop === undefined ? {} : { stop: request.stop }),
    stream: false,
  };
}

/** The caller cancelled: never retried, whatever the endpoint did. */
function abortError(id: string, signal: AbortSignal): LoraError {
  return new LoraError(`${id}: the request was cancelled`, { code: 'provider-aborted', retryable: false, cause: signal.reason });
}

/** The server's own words, shortened: error bodies can be whole HTML pages. */
function shorten(text: string, length = 300): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > length ? `${flat.slice(0, length)}…` : flat;
}

/** Sorts a failed attempt by what to do about it: retry (429, 5xx, network), or stop and say what to fix. */
function attemptErrorOf(error: unknown, where: { id: string; endpoint: string; apiKeyEnv: string }): ProviderAttemptError {
  const { id, endpoint, apiKeyEnv } = where;
  if (error instanceof APIConnectionError || !(error instanceof APIError)) {
    // Not an APIError: the connection broke while the body was read (undici's "terminated").
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    const reason = error instanceof Error ? error.message : String(error);
    return new ProviderAttemptError(`${id}: cannot reach ${endpoint} (${shorten(reason)}${cause}); check the base URL and that the server is up`, {
      code: 'provider-unreachable',
      retryable: true,
      cause: error,
    });
  }
  const status = error.status ?? 0;
  const said = `HTTP ${status}: ${shorten(error.message.replace(/^\d+\s*/, ''))}`;
  const options = { status, headers: error.headers, cause: error };
  if (status === 401 || status === 403) {
    return new ProviderAttemptError(`${id}: ${endpoint} refused the API key (${said}); check ${apiKeyEnv}`, { ...options, code: 'provider-unauthorized', retryable: false });
  }
  if (status === 429 && error.code === 'insufficient_quota') {
    return new ProviderAttemptError(`${id}: the account at ${endpoint} is out of quota (${said}); add credit or use another key`, { ...options, code: 'provider-quota-exhausted', retryable: false });
  }
  const mayRetry = error.headers?.get('x-should-retry') !== 'false';
  if (status === 429) {
    return new ProviderAttemptError(`${id}: ${endpoint} is rate limiting (${said})`, { ...options, code: 'provider-rate-limited', retryable: mayRetry });
  }
  if (status === 408 || status === 409 || status >= 500) {
    return new ProviderAttemptError(`${id}: ${endpoint} failed (${said})`, { ...options, code: 'provider-unavailable', retryable: mayRetry });
  }
  if (status === 404) {
    return new ProviderAttemptError(`${id}: ${endpoint}/chat/completions was not found or does not serve this model (${said}); check the base URL and the model name`, {
      ...options,
      code: 'provider-not-found',
      retryable: false,
    });
  }
  return new ProviderAttemptError(`${id}: ${endpoint} rejected the request (${said}); check the model's supported parameters`, { ...options, code: 'provider-bad-request', retryable: false });
}
