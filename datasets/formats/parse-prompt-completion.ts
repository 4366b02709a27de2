import { z } from 'zod';
import type { ValidationIssue } from '../../core/index.js';
import type { CanonicalRecord } from '../canonical-record.js';
import { isJsonObject, parseJsonLine, type JsonObject } from './json-line.js';
import { checkDecoding, checkLength, checkText } from './record-checks.js';
import type { ReaderOptions, ReadOutcome } from './record-reader.js';
import { shapeIssues } from './shape-issues.js';

/** The shape of a prompt-completion line; used only to explain a line the fast check rejected. */
const promptCompletionLine = z.object({
  prompt: z.string(),
  completion: z.string(),
  label: z.string().nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
});

function hasPromptCompletionShape(value: JsonObject): boolean {
  return (
    typeof value.prompt === 'string' &&
    typeof value.completion === 'string' &&
    (value.label == null || typeof value.label === 'string') &&
    (value.metadata == null || isJsonObject(value.metadata))
  );
}

/**
 * Parses one prompt-completion line, `{"prompt", "completion", "label"?, "metadata"?}`, into a user
 * message and an assistant reply, both verbatim; null counts as absent for `label` and `metadata`.
 */
export function parsePromptCompletion(text: string, line: number, options: ReaderOptions): ReadOutcome {
  const parsed = parseJsonLine(text, line, options.maxLineBytes);
  if ('issues' in parsed) return { line, issues: parsed.issues };
  const value = parsed.value;
  if (!hasPromptCompletionShape(value)) return { line, issues: shapeIssues(promptCompletionLine, value, line, 'prompt-completion') };

  const issues: ValidationIssue[] = [];
  const prompt = value.prompt as string;
  const completion = value.completion as string;
  checkText(issues, line, 'prompt', prompt);
  checkText(issues, line, 'completion', completion);
  const record: CanonicalRecord = {
    schemaVersion: 1,
    messages: [
      { role: 'user', content: prompt },
      { role: 'assistant', content: completion },
    ],
  };
  if (typeof value.label === 'string') {
    checkText(issues, line, 'label', value.label);
    record.label = value.label;
  }
  if (isJsonObject(value.metadata)) record.metadata = value.metadata;
  checkLength(issues, line, '', prompt.length + completion.length, options.maxCharacters);
  checkDecoding(issues, line, text);
  return issues.length === 0 ? { line, record } : { line, issues };
}
