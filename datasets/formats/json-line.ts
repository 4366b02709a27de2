import type { ValidationIssue } from '../../core/index.js';
import { bytesOver, checkDecoding, lineTooLong } from './record-checks.js';
import { describeFound } from './shape-issues.js';

/** A JSON object as `JSON.parse` returns it: own keys only, `__proto__` included as a plain key. */
export type JsonObject = Record<string, unknown>;

/** True for a JSON object, false for arrays, null and scalars. */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses one JSONL line into an object, or says why it is not one: too long, not JSON, not an object. */
export function parseJsonLine(text: string, line: number, maxLineBytes: number): { value: JsonObject } | { issues: ValidationIssue[] } {
  const bytes = bytesOver(text, maxLineBytes);
  if (bytes !== undefined) return { issues: [lineTooLong(line, bytes, maxLineBytes)] };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const issues: ValidationIssue[] = [{ line, path: '', code: 'invalid-json', message: `must be one JSON object per line: ${(error as Error).message}` }];
    checkDecoding(issues, line, text);
    return { issues };
  }
  if (!isJsonObject(value)) return { issues: [{ line, path: '', code: 'invalid-type', message: `must be a JSON object, got ${describeFound(value)}` }] };
  return { value };
}
