import { InputError } from '../../core/index.js';
import type { ChatMessage } from '../model/chat-template.js';
import type { TokenizedExample } from '../model/sequence-packing.js';

/** What encoding a conversation needs of a model: its chat template and tokenizer. */
export interface ChatEncoder {
  renderChat(messages: readonly ChatMessage[], addGenerationPrompt?: boolean): string;
  readonly tokenizer: { encode(text: string, options?: { addSpecialTokens?: boolean }): number[] };
}

function encode(encoder: ChatEncoder, messages: readonly ChatMessage[], addGenerationPrompt: boolean): number[] {
  return encoder.tokenizer.encode(encoder.renderChat(messages, addGenerationPrompt), { addSpecialTokens: false });
}

function commonPrefix(left: readonly number[], right: readonly number[]): number {
  let length = 0;
  while (length < left.length && length < right.length && left[length] === right[length]) length += 1;
  return length;
}

/**
 * Tokenises a conversation with the model's chat template and marks the tokens of every assistant
 * turn (its end-of-turn token included) as the ones to learn; system and user tokens are context.
 * Each turn's span is found by rendering the conversation up to the turn's header and through its end.
 */
export function encodeChatExample(encoder: ChatEncoder, messages: readonly ChatMessage[]): TokenizedExample {
  const tokens = encode(encoder, messages, false);
  const lossMask = new Uint8Array(tokens.length);
  messages.forEach((message, index) => {
    if (message.role !== 'assistant') return;
    const before = encode(encoder, messages.slice(0, index), true);
    const through = encode(encoder, messages.slice(0, index + 1), false);
    const start = commonPrefix(before, tokens);
    const end = commonPrefix(through, tokens);
    for (let position = start; position < end; position += 1) lossMask[position] = 1;
  });
  if (!lossMask.includes(1)) {
    throw new InputError('a training conversation has no assistant tokens to learn: it needs at least one assistant message', { code: 'example-no-assistant' });
  }
  return { tokens, lossMask };
}
