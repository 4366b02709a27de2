import type { z } from 'zod';
import { describeValue, formatPath, fromZodIssues, type ValidationIssue } from '../../core/index.js';

/** Enough to fix a record; a line of thousands of wrong items would otherwise give thousands of issues. */
const maxIssuesPerRecord = 20;

/** Quotes a found value for a message; values nested too deep to serialise are named, not quoted. */
export function describeFound(value: unknown): string {
  try {
    return describeValue(value);
  } catch {
    return Array.isArray(value) ? 'an array nested too deep to show' : 'an object nested too deep to show';
  }
}

function issueCode(issue: z.core.$ZodIssue): string {
  return issue.code === 'invalid_value' && issue.path[issue.path.length - 1] === 'role' ? 'unknown-role' : 'invalid-type';
}

function toIssue(issue: z.core.$ZodIssue, value: unknown, line: number): ValidationIssue[] {
  try {
    // fromZodIssues writes "must be a array"; the article is mended here until core words it itself.
    return fromZodIssues([issue], value, line).map((converted) => ({ ...converted, code: issueCode(issue), message: converted.message.replace(/^must be a (?=[aeiou])/, 'must be an ') }));
  } catch {
    // fromZodIssues quotes the found value with JSON.stringify, which overflows on very deep nesting.
    const path = formatPath(issue.path);
    return [{ line, path, code: issueCode(issue), message: `${issue.message.charAt(0).toLowerCase()}${issue.message.slice(1)}` }];
  }
}

/**
 * Explains why a value failed the fast hand-written shape check, using the format's zod schema for
 * paths and wording. Runs only on failure, so valid records never pay for zod.
 */
export function shapeIssues(schema: z.ZodType, value: unknown, line: number, format: string): ValidationIssue[] {
  const result = schema.safeParse(value);
  if (result.success) {
    // The hand check and the schema disagree; still reject, since the hand check guards what follows.
    return [{ line, path: '', code: 'invalid-type', message: `must be a ${format} record, got ${describeFound(value)}` }];
  }
  return result.error.issues.slice(0, maxIssuesPerRecord).flatMap((issue) => toIssue(issue, value, line));
}
