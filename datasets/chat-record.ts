import { z } from 'zod';
import { fromZodIssues, type ValidationIssue } from '../core/index.js';

/** Roles OpenAI's chat format allows. */
export const chatRoles = ['system', 'user', 'assistant', 'tool'] as const;

const chatMessage = z.object({
  role: z.enum(chatRoles),
  content: z.string().trim().min(1, { message: 'must not be empty' }),
});

/** One OpenAI chat fine-tuning record: `{"messages": [{"role", "content"}, ...]}`. */
export const chatRecord = z.object({
  messages: z.array(chatMessage).min(2, { message: 'must hold at least a prompt and an assistant reply' }),
});

/** A validated chat record. */
export type ChatRecord = z.infer<typeof chatRecord>;

/** Longest line read; longer ones are rejected without being parsed. */
export const maxLineBytes = 1_000_000;

/** Parses and checks one JSONL line; returns the record or the issues that reject it. */
export function parseChatLine(text: string, line: number): { record: ChatRecord } | { issues: ValidationIssue[] } {
  if (Buffer.byteLength(text) > maxLineBytes) {
    return { issues: [{ line, path: '', code: 'line-too-long', message: `must be at most ${maxLineBytes} bytes, got ${Buffer.byteLength(text)}` }] };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { issues: [{ line, path: '', code: 'invalid-json', message: `must be a JSON object, ${(error as Error).message}` }] };
  }
  const parsed = chatRecord.safeParse(value);
  if (!parsed.success) return { issues: fromZodIssues(parsed.error.issues, value, line) };
  const messages = parsed.data.messages;
  if (!messages.some((message) => message.role === 'assistant')) {
    return { issues: [{ line, path: 'messages', code: 'no-assistant', message: 'must contain an assistant message to learn from' }] };
  }
  if (messages[messages.length - 1]!.role !== 'assistant') {
    return {
      issues: [{ line, path: `messages[${messages.length - 1}].role`, code: 'last-not-assistant', message: `must be "assistant" in the last message, got "${messages[messages.length - 1]!.role}"` }],
    };
  }
  return { record: { messages: messages.map(({ role, content }) => ({ role, content })) } };
}
