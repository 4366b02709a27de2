import { randomInt } from 'node:crypto';
import type { ChatMessage, LanguageModel } from '../adapters/index.js';
import type { Endpoint } from './openai-shapes.js';
import type { ChatCompletionRequest, CompletionRequest } from './request-contracts.js';
import { RouterError } from './router-error.js';

/** A validated request of either endpoint, in one shape: what to generate, how, and for whom. */
export interface CompletionCall {
  endpoint: Endpoint;
  model: string;
  prompt: { messages: ChatMessage[] } | { text: string };
  /** As requested; undefined lets the router choose from the room left in the context. */
  maxTokens: number | undefined;
  temperature: number;
  topP: number;
  seed: number;
  stop: string[];
  stream: boolean;
  includeUsage: boolean;
  /** The client's body as sent, for a fallback upstream (which may understand fields the router ignores). */
  body: Record<string, unknown>;
  keyId: string | null;
}

// OpenAI's defaults: temperature 1, top_p 1; without a seed, sampling differs between requests.
const defaultTemperature = 1;

function stopList(stop: string | string[] | null | undefined): string[] {
  if (stop === null || stop === undefined) return [];
  return (typeof stop === 'string' ? [stop] : stop).filter((sequence) => sequence !== '');
}

function sampling(request: ChatCompletionRequest | CompletionRequest) {
  return {
    temperature: request.temperature ?? defaultTemperature,
    topP: request.top_p ?? 1,
    seed: request.seed ?? randomInt(0, 2 ** 31),
    stop: stopList(request.stop),
    stream: request.stream === true,
    includeUsage: request.stream_options?.include_usage === true,
  };
}

/** Text of a message's content: parts joined, null as empty (an assistant turn that only called tools). */
function contentText(content: ChatCompletionRequest['messages'][number]['content']): string {
  if (content === null) return '';
  return typeof content === 'string' ? content : content.map((part) => part.text).join('');
}

/** A chat completion request as a call. `developer` messages are system messages to a chat template. */
export function chatCall(request: ChatCompletionRequest, keyId: string | null): CompletionCall {
  const messages = request.messages.map((message) => ({ ...message, role: message.role === 'developer' ? 'system' : message.role, content: contentText(message.content) }));
  return {
    endpoint: 'chat',
    model: request.model,
    prompt: { messages },
    maxTokens: request.max_completion_tokens ?? request.max_tokens ?? undefined,
    ...sampling(request),
    body: request,
    keyId,
  };
}

/** A text completion request as a call. */
export function textCall(request: CompletionRequest, keyId: string | null): CompletionCall {
  const text = typeof request.prompt === 'string' ? request.prompt : (request.prompt[0] as string);
  return { endpoint: 'text', model: request.model, prompt: { text }, maxTokens: request.max_tokens ?? undefined, ...sampling(request), body: request, keyId };
}

/** The prompt's token ids: chat through the model's template (which writes every special token), text as given. */
export function encodePrompt(model: LanguageModel, call: CompletionCall): number[] {
  if ('messages' in call.prompt) return model.tokenizer.encode(model.renderChat(call.prompt.messages), { addSpecialTokens: false });
  return model.tokenizer.encode(call.prompt.text);
}

/**
 * How many tokens to generate: as requested when the context has room, else a 400 naming the numbers; without a
 * request, the room left up to `defaultMaxTokens`.
 */
export function tokensToGenerate(call: CompletionCall, promptTokens: number, contextLength: number, defaultMaxTokens: number): number {
  const room = contextLength - promptTokens;
  if (room < 1 || (call.maxTokens !== undefined && call.maxTokens > room)) {
    const asked = call.maxTokens === undefined ? 'at least 1 token' : `${call.maxTokens} tokens`;
    throw new RouterError(
      `This model's maximum context length is ${contextLength} tokens. The prompt has ${promptTokens} tokens and ${asked} of completion were requested; shorten the prompt or lower max_tokens`,
      { status: 400, code: 'context_length_exceeded', param: room < 1 ? (call.endpoint === 'chat' ? 'messages' : 'prompt') : 'max_tokens' },
    );
  }
  return call.maxTokens ?? Math.min(defaultMaxTokens, room);
}
