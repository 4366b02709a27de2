import { z } from 'zod';
import type { ValidationIssue } from '../../core/index.js';
import { chatRoles, type CanonicalMessage, type CanonicalRecord } from '../canonical-record.js';
import { isJsonObject, parseJsonLine, type JsonObject } from './json-line.js';
import { checkDecoding, checkLength, checkText, textProblem } from './record-checks.js';
import type { ReaderOptions, ReadOutcome } from './record-reader.js';
import { shapeIssues } from './shape-issues.js';

/** The shape of an OpenAI chat line; used only to explain a line the fast check rejected. */
const openAiChatLine = z.object({
  messages: z.array(z.object({ role: z.enum(chatRoles), content: z.string() })),
  label: z.string().nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
});

const roles: ReadonlySet<unknown> = new Set(chatRoles);

/** The same rules as `openAiChatLine`, by hand: this runs on every line and zod costs several times more. */
function hasChatShape(value: JsonObject): boolean {
  const messages = value.messages;
  if (!Array.isArray(messages)) return false;
  for (const message of messages) {
    if (!isJsonObject(message) || !roles.has(message.role) || typeof message.content !== 'string') return false;
  }
  const { label, metadata } = value;
  return (label == null || typeof label === 'string') && (metadata == null || isJsonObject(metadata));
}

function checkConversation(issues: ValidationIssue[], line: number, messages: readonly CanonicalMessage[], hasAssistant: boolean): void {
  const last = messages[messages.length - 1];
  if (last === undefined || !hasAssistant) {
    const found = last === undefined ? 'no messages' : `roles ${messages.map((message) => message.role).join('|')}`;
    issues.push({ line, path: 'messages', code: 'no-assistant', message: `must contain an assistant message to learn from, got ${found}` });
  } else if (last.role !== 'assistant') {
    issues.push({
      line,
      path: `messages[${messages.length - 1}].role`,
      code: 'last-not-assistant',
      message: `must be "assistant" in the last message, got "${last.role}"; end each record with the reply to learn`,
    });
  }
}

/**
 * Parses one OpenAI chat line, `{"messages": [{"role", "content"}, ...], "label"?, "metadata"?}`.
 * Content is kept verbatim; unknown keys are ignored; null counts as absent for `label` and `metadata`.
 */
export function parseOpenAiChat(text: string, line: number, options: ReaderOptions): ReadOutcome {
  const parsed = parseJsonLine(text, line, options.maxLineBytes);
  if ('issues' in parsed) return { line, issues: parsed.issues };
  const value = parsed.value;
  if (!hasChatShape(value)) return { line, issues: shapeIssues(openAiChatLine, value, line, 'openai-chat') };

  const issues: ValidationIssue[] = [];
  const source = value.messages as ReadonlyArray<{ role: CanonicalMessage['role']; content: string }>;
  const messages: CanonicalMessage[] = new Array(source.length);
  let characters = 0;
  let hasAssistant = false;
  for (let index = 0; index < source.length; index += 1) {
    const { role, content } = source[index]!;
    messages[index] = { role, content };
    characters += content.length;
    hasAssistant ||= role === 'assistant';
    const problem = textProblem(content);
    if (problem !== undefined) issues.push({ line, path: `messages[${index}].content`, ...problem });
  }
  checkConversation(issues, line, messages, hasAssistant);
  const record: CanonicalRecord = { schemaVersion: 1, messages };
  if (typeof value.label === 'string') {
    checkText(issues, line, 'label', value.label);
    record.label = value.label;
  }
  if (isJsonObject(value.metadata)) record.metadata = value.metadata;
  checkLength(issues, line, 'messages', characters, options.maxCharacters);
  checkDecoding(issues, line, text);
  return issues.length === 0 ? { line, record } : { line, issues };
}
