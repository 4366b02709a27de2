// The contract every baseline answers through: one chat completion in, text and token usage out. No I/O here.

/** One chat completion to ask for. `seed` and `stop` are sent only when given. */
export interface ChatRequest {
  messages: { role: string; content: string }[];
  maxTokens: number;
  temperature: number;
  seed?: number;
  stop?: string[];
}

/** Tokens a completion was billed for; `cachedPromptTokens` is the part of the prompt the endpoint served from its own cache. */
export interface ChatUsage {
  promptTokens: number;
  cachedPromptTokens: number;
  completionTokens: number;
}

/** A completion's text and cost. `cached` is true when it came from lora's response cache and cost nothing this time. */
export interface ChatResponse {
  text: string;
  usage: ChatUsage;
  /** Wall time of the call that paid for it, kept as it was when the response comes from the cache. */
  latencyMs: number;
  cached: boolean;
  finishReason: string | null;
}

/** A model that answers chat requests: an OpenAI-compatible endpoint, or responses recorded in a dataset. */
export interface ChatProvider {
  /** Who answers, as reports name it: `openai:gpt-5.2`, `router:support-triage`, `recorded`. */
  readonly id: string;
  /** The base URL requests go to, or a pseudo-URL such as `recorded:` for providers without one. */
  readonly endpoint: string;
  readonly model: string;
  complete(request: ChatRequest, signal?: AbortSignal): Promise<ChatResponse>;
}
