import { z } from 'zod';
import type { ValidationIssue } from '../../core/index.js';
import type { CanonicalMessage, CanonicalRecord } from '../canonical-record.js';
import { isJsonObject, parseJsonLine, type JsonObject } from './json-line.js';
import { checkDecoding, checkLength, checkText, isBlank } from './record-checks.js';
import type { ReaderOptions, ReadOutcome } from './record-reader.js';
import { shapeIssues } from './shape-issues.js';

/** The shape of an Alpaca line; used only to explain a line the fast check rejected. */
const alpacaLine = z.object({
  instruction: z.string(),
  input: z.string().nullish(),
  output: z.string(),
  system: z.string().nullish(),
  label: z.string().nullish(),
  metadata: z.record(z.string(), z.unknown()).nullish(),
});

function isOptionalString(value: unknown): boolean {
  return value == null || typeof value === 'string';
}

function hasAlpacaShape(value: JsonObject): boolean {
  return (
    typeof value.instruction === 'string' &&
    typeof value.output === 'string' &&
    isOptionalString(value.input) &&
    isOptionalString(value.system) &&
    isOptionalString(value.label) &&
    (value.metadata == null || isJsonObject(value.metadata))
  );
}

/**
 * Parses one Alpaca line, `{"instruction", "input"?, "output", "system"?, "label"?, "metadata"?}`: the user
 * message is the instruction, followed by a blank line and the input when there is one.
 * A blank `input` or `system` counts as absent; null counts as absent for every optional key.
 */
export function parseAlpaca(text: string, line: number, options: ReaderOptions): ReadOutcome {
  const parsed = parseJsonLine(text, line, options.maxLineBytes);
  if ('issues' in parsed) return { line, issues: parsed.issues };
  const value = parsed.value;
  if (!hasAlpacaShape(value)) return { line, issues: shapeIssues(alpacaLine, value, line, 'alpaca') };

  const issues: ValidationIssue[] = [];
  const instruction = value.instruction as string;
  const output = value.output as string;
  const input = typeof value.input === 'string' && !isBlank(value.input) ? value.input : undefined;
  const system = typeof value.system === 'string' && !isBlank(value.system) ? value.system : undefined;
  checkText(issues, line, 'instruction', instruction);
  if (input !== undefined) checkText(issues, line, 'input', input);
  checkText(issues, line, 'output', output);

  const messages: CanonicalMessage[] = [];
  if (system !== undefined) {
    checkText(issues, line, 'system', system);
    messages.push({ role: 'system', content: system });
  }
  messages.push({ role: 'user', content: input === undefined ? instruction : `${instruction}\n\n${input}` }, { role: 'assistant', content: output });
  const record: CanonicalRecord = { schemaVersion: 1, messages };
  if (typeof value.label === 'string') {
    checkText(issues, line, 'label', value.label);
    record.label = value.label;
  }
  if (isJsonObject(value.metadata)) record.metadata = value.metadata;
  checkLength(issues, line, '', messages.reduce((sum, message) => sum + message.content.length, 0), options.maxCharacters);
  checkDecoding(issues, line, text);
  return issues.length === 0 ? { line, record } : { line, issues };
}
