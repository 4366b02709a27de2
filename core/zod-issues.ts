import type { z } from 'zod';
import type { ValidationIssue } from './errors.js';

/** Renders a value the way a person typed it, short enough for one line. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    // Cyclic or too deeply nested to print.
    text = Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : String(value);
  }
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function withArticle(noun: string): string {
  return /^[aeiou]/i.test(noun) ? `an ${noun}` : `a ${noun}`;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current: unknown = root;
  for (const segment of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return current;
}

/** Joins a zod path as people write it: `stages[2].name`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const segment of path) {
    if (typeof segment === 'number') text += `[${segment}]`;
    else text += text === '' ? String(segment) : `.${String(segment)}`;
  }
  return text;
}

function bound(issue: { origin: string; inclusive?: boolean }, word: 'least' | 'most', limit: number | bigint): string {
  const unit = issue.origin === 'string' ? ' characters' : issue.origin === 'array' || issue.origin === 'set' ? ' items' : '';
  if (unit !== '') return `must have at ${word} ${limit}${unit}`;
  const sign = word === 'least' ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
  return `must be ${sign} ${limit}`;
}

/** What the schema wanted, in words: `must be one of a|b`. */
function expectation(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${issue.expected === 'int' ? 'an integer' : withArticle(issue.expected)}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((value) => String(value)).join('|')}`;
    case 'invalid_format':
      return `must be a valid ${issue.format}`;
    case 'too_small':
      return bound(issue, 'least', issue.minimum);
    case 'too_big':
      return bound(issue, 'most', issue.maximum);
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    default:
      return issue.message.charAt(0).toLowerCase() + issue.message.slice(1);
  }
}

/**
 * Turns zod issues into our issues, each saying what was expected and what was found.
 * `input` is the document that was parsed, so the message can quote the offending value.
 */
export function fromZodIssues(issues: readonly z.core.$ZodIssue[], input: unknown, line?: number): ValidationIssue[] {
  return issues.flatMap((issue): ValidationIssue[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        ...(line === undefined ? {} : { line }),
        path: formatPath([...issue.path, key]),
        code: 'unknown-key',
        message: 'is not a known key; remove it or check its spelling',
      }));
    }
    const found = describeValue(valueAt(input, issue.path));
    const expected = expectation(issue);
    return [
      {
        ...(line === undefined ? {} : { line }),
        path: formatPath(issue.path),
        code: issue.code,
        message: `${expected}, got ${found}`,
      },
    ];
  });
}
