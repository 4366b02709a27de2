// The checks every format runs on the text it turns into messages, whatever the field is called there.
import { describeValue, type ValidationIssue } from '../../core/index.js';

const nonBlank = /\S/;
/**
 * Anything that may need a closer look: C0 controls but tab, LF and CR; DEL and C1; surrogates; U+FFFD.
 * Written as the complement of what is always fine, which V8 scans faster than the list itself.
 */
const suspicious = /[^\t\n\r -~\u00A0-\uD7FF\uE000-\uFFFC\uFFFE\uFFFF]/;
const replacementCharacter = 0xfffd;

/** True when a string holds nothing but whitespace. */
export function isBlank(value: string): boolean {
  return !nonBlank.test(value);
}

function codePoint(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

function isControl(code: number): boolean {
  return (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || (code >= 0x7f && code <= 0x9f);
}

/** The first encoding or control-character problem at or after `from`, or undefined for a valid surrogate pair only. */
function firstProblem(value: string, from: number): TextProblem | undefined {
  for (let index = from; index < value.length; index += 1) {
    const code = value.charCodeAt(index);
    if (code === replacementCharacter) {
      return { code: 'invalid-utf8', message: `must be valid UTF-8, found U+FFFD (what undecodable bytes become) at character ${index + 1}; re-encode the source as UTF-8` };
    }
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = value.charCodeAt(index + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        index += 1;
        continue;
      }
    }
    if (code >= 0xd800 && code <= 0xdfff) {
      return { code: 'invalid-utf8', message: `must be valid Unicode, found the lone surrogate ${codePoint(code)} at character ${index + 1}, which UTF-8 cannot encode; fix the escape that produced it` };
    }
    if (isControl(code)) {
      return { code: 'control-characters', message: `must not contain control characters, found ${codePoint(code)} at character ${index + 1}; remove it or write it out as text` };
    }
  }
  return undefined;
}

/** What is wrong with one text field, before it is placed at a path and a line. */
export type TextProblem = Pick<ValidationIssue, 'code' | 'message'>;

/**
 * Checks one text field that becomes message content (or a label): not blank, valid Unicode, and
 * no control characters other than tab and line breaks. Returns the first problem, or undefined.
 */
export function textProblem(value: string): TextProblem | undefined {
  if (!nonBlank.test(value)) return { code: 'empty-content', message: `must not be empty or only whitespace, got ${describeValue(value)}` };
  const from = value.search(suspicious);
  return from === -1 ? undefined : firstProblem(value, from);
}

/** Adds the problem of one text field at `path`, if it has one. */
export function checkText(issues: ValidationIssue[], line: number, path: string, value: string): void {
  const problem = textProblem(value);
  if (problem !== undefined) issues.push({ line, path, ...problem });
}

/** Rejects a record whose message content exceeds the character budget. */
export function checkLength(issues: ValidationIssue[], line: number, path: string, characters: number, maxCharacters: number): void {
  if (characters <= maxCharacters) return;
  issues.push({
    line,
    path,
    code: 'too-long',
    message: `must hold at most ${maxCharacters} characters of content, got ${characters}; shorten or split the record, or raise maxCharacters`,
  });
}

/**
 * Reports undecodable bytes the field checks did not place (in metadata, a key, an unused column):
 * the reader decodes UTF-8 leniently, so they show up as U+FFFD anywhere in the source text.
 */
export function checkDecoding(issues: ValidationIssue[], line: number, source: string, path = ''): void {
  const at = source.indexOf('\uFFFD');
  if (at === -1 || issues.some((issue) => issue.code === 'invalid-utf8')) return;
  issues.push({ line, path, code: 'invalid-utf8', message: `must be valid UTF-8, found U+FFFD (what undecodable bytes become) at character ${at + 1}; re-encode the source as UTF-8` });
}

/** The UTF-8 length of `text` when it exceeds `maxBytes`, otherwise undefined; counts only when it has to. */
export function bytesOver(text: string, maxBytes: number): number | undefined {
  // A UTF-16 code unit takes 1 to 3 UTF-8 bytes, so most lines are decided without counting.
  if (text.length > maxBytes) return Buffer.byteLength(text, 'utf8');
  if (text.length * 3 <= maxBytes) return undefined;
  const bytes = Buffer.byteLength(text, 'utf8');
  return bytes > maxBytes ? bytes : undefined;
}

/** The issue for a line longer than the limit, which is rejected without being parsed. */
export function lineTooLong(line: number, bytes: number, maxLineBytes: number): ValidationIssue {
  return { line, path: '', code: 'line-too-long', message: `must be at most ${maxLineBytes} bytes, got ${bytes}; split the record or raise maxLineBytes` };
}
