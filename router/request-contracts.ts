// The request bodies the router accepts, in OpenAI's shape. Validated at the HTTP boundary; fields the router does not
// use (tools, penalties, logprobs) are accepted and ignored locally, and passed through whole to a fallback upstream.
import { z } from 'zod';

/** A piece of multi-part content; the router serves text only. */
const textPart = z.object({ type: z.literal('text'), text: z.string() });

/** One chat message: content as a string or as text parts, which are joined. */
const chatMessage = z
  .object({
    role: z.enum(['system', 'developer', 'user', 'assistant', 'tool']),
    content: z.union([z.string(), z.array(textPart).min(1), z.null()]),
    name: z.string().optional(),
  })
  .loose();

/** `stop`: one string or up to four, as OpenAI allows. */
const stopSequences = z.union([z.string(), z.array(z.string()).max(4)]).nullish();

/** What both endpoints share: sampling, length, stop sequences and streaming. */
const generationFields = {
  model: z.string().min(1).max(200),
  max_tokens: z.number().int().min(1).nullish(),
  temperature: z.number().min(0).max(2).nullish(),
  top_p: z.number().gt(0).max(1).nullish(),
  seed: z.number().int().nullish(),
  stop: stopSequences,
  n: z.literal(1, { message: 'must be 1: the router returns one choice per request' }).nullish(),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullish(),
  user: z.string().optional(),
};

/** POST /v1/chat/completions. */
export const chatCompletionRequest = z
  .object({
    ...generationFields,
    messages: z.array(chatMessage).min(1),
    // The newer name of max_tokens; either may be sent.
    max_completion_tokens: z.number().int().min(1).nullish(),
  })
  .loose();

export type ChatCompletionRequest = z.infer<typeof chatCompletionRequest>;

/** POST /v1/completions: one prompt string (a one-element array is accepted too). */
export const completionRequest = z
  .object({
    ...generationFields,
    prompt: z.union([z.string(), z.array(z.string()).length(1, { message: 'must hold exactly one prompt: the router completes one prompt per request' })]),
  })
  .loose();

export type CompletionRequest = z.infer<typeof completionRequest>;
