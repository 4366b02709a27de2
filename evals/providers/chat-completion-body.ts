import { z } from 'zod';
import type { ChatResponse } from './chat-provider.js';
import { ProviderAttemptError } from './provider-error.js';

/** The few fields lora reads of a Chat Completions response; everything else is ignored. */
const chatCompletionBody = z.object({
  choices: z
    .array(
      z.object({
        message: z.object({ content: z.string().nullish() }),
        finish_reason: z.string().nullish(),
      }),
    )
    .min(1),
  usage: z.object({
    prompt_tokens: z.number().int().min(0),
    completion_tokens: z.number().int().min(0),
    prompt_tokens_details: z.object({ cached_tokens: z.number().int().min(0).nullish() }).nullish(),
  }),
});

/** The start of a body for an error message. */
function snippet(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return JSON.stringify(flat.length > 200 ? `${flat.slice(0, 200)}…` : flat);
}

/**
 * Text, usage and finish reason of a successful Chat Completions body; a `provider-malformed` attempt error when
 * the body is not JSON, has no choices, or has no usage (a baseline without token counts cannot be priced).
 */
export function parseChatCompletion(body: string, where: { id: string; endpoint: string }): Pick<ChatResponse, 'text' | 'usage' | 'finishReason'> {
  const malformed = (reason: string, cause?: unknown) =>
    new ProviderAttemptError(`${where.id}: ${where.endpoint} answered with ${reason}, got ${snippet(body)}; check that the base URL is an OpenAI-compatible API`, {
      code: 'provider-malformed',
      retryable: true,
      cause,
    });
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw malformed('a body that is not JSON', error);
  }
  const parsed = chatCompletionBody.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.join('.') || 'body';
    throw malformed(`a body that is not a chat completion ("${path}": ${issue.message})`, parsed.error);
  }
  const [choice] = parsed.data.choices;
  const { usage } = parsed.data;
  return {
    text: choice!.message.content ?? '',
    usage: {
      promptTokens: usage.prompt_tokens,
      cachedPromptTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
      completionTokens: usage.completion_tokens,
    },
    finishReason: choice!.finish_reason ?? null,
  };
}
