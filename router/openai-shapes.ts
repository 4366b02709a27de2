// Response bodies in OpenAI's shapes: chat completions and their chunks, text completions and theirs. No I/O here.
import { randomBytes } from 'node:crypto';

/** Which endpoint a generation answers. */
export type Endpoint = 'chat' | 'text';

/** Token counts as OpenAI reports them. */
export interface OpenAiUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** What is the same in every body of one response: its id, time and model. */
export interface ResponseIdentity {
  id: string;
  created: number;
  model: string;
}

/** A fresh identity: `chatcmpl-…` or `cmpl-…`, the time in seconds, the model as the client named it. */
export function responseIdentity(endpoint: Endpoint, model: string, now = Date.now()): ResponseIdentity {
  return { id: `${endpoint === 'chat' ? 'chatcmpl' : 'cmpl'}-${randomBytes(12).toString('hex')}`, created: Math.floor(now / 1000), model };
}

/** Usage with its total. */
export function openAiUsage(promptTokens: number, completionTokens: number): OpenAiUsage {
  return { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
}

/** A whole, non-streamed answer. */
export function completionBody(endpoint: Endpoint, identity: ResponseIdentity, text: string, finishReason: string, usage: OpenAiUsage): Record<string, unknown> {
  if (endpoint === 'chat') {
    return { ...identity, object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: text }, logprobs: null, finish_reason: finishReason }], usage };
  }
  return { ...identity, object: 'text_completion', choices: [{ index: 0, text, logprobs: null, finish_reason: finishReason }], usage };
}

/**
 * One streamed chunk: a piece of text (`delta`), the opening role for chat (`role`), the end (`finishReason`), or
 * only usage (no choices), as OpenAI sends when `stream_options.include_usage` is set.
 */
export function chunkBody(
  endpoint: Endpoint,
  identity: ResponseIdentity,
  part: { text?: string; role?: 'assistant'; finishReason?: string; usage?: OpenAiUsage },
): Record<string, unknown> {
  const finish = part.finishReason ?? null;
  if (part.usage !== undefined) {
    return { ...identity, object: endpoint === 'chat' ? 'chat.completion.chunk' : 'text_completion', choices: [], usage: part.usage };
  }
  if (endpoint === 'chat') {
    const delta = part.role !== undefined ? { role: part.role, content: part.text ?? '' } : part.text !== undefined ? { content: part.text } : {};
    return { ...identity, object: 'chat.completion.chunk', choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }] };
  }
  return { ...identity, object: 'text_completion', choices: [{ index: 0, text: part.text ?? '', logprobs: null, finish_reason: finish }] };
}
