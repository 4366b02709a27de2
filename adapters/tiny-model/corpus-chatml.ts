/** The special tokens of the tiny model's tokenizer, in id order: `<|endoftext|>` is 0. */
export const chatmlSpecialTokens = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] as const;

/** One turn of a conversation. */
export interface ChatmlMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

/**
 * The ChatML chat template in Jinja, for `tokenizer_config.json`. It renders exactly what
 * {@link renderChatml} renders, so pretraining text and fine-tuning prompts look the same.
 */
export const chatmlTemplate = [
  '{%- for message in messages %}',
  "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}",
  '{%- endfor %}',
  '{%- if add_generation_prompt %}',
  "{{- '<|im_start|>assistant\\n' }}",
  '{%- endif %}',
].join('\n');

/** Renders messages as the chat template does: `<|im_start|>{role}\n{content}<|im_end|>\n` per turn. */
export function renderChatml(messages: readonly ChatmlMessage[], options: { addGenerationPrompt?: boolean } = {}): string {
  const turns = messages.map((message) => `<|im_start|>${message.role}\n${message.content}<|im_end|>\n`);
  return turns.join('') + (options.addGenerationPrompt === true ? '<|im_start|>assistant\n' : '');
}
