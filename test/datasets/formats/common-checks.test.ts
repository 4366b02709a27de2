import { describe, expect, it } from 'vitest';
import { parseAlpaca, parseOpenAiChat, parsePromptCompletion, type LineParser } from '../../../datasets/formats/index.js';
import { options } from './collect-outcomes.js';

/** Each JSONL format, with a line whose main content field is `text` and that field's path. */
const formats: Array<{ name: string; parse: LineParser; line: (text: string) => string; path: string }> = [
  {
    name: 'openai-chat',
    parse: parseOpenAiChat,
    line: (text) => JSON.stringify({ messages: [{ role: 'user', content: 'Reply to this.' }, { role: 'assistant', content: text }] }),
    path: 'messages[1].content',
  },
  { name: 'alpaca', parse: parseAlpaca, line: (text) => JSON.stringify({ instruction: 'Reply to this.', output: text }), path: 'output' },
  { name: 'prompt-completion', parse: parsePromptCompletion, line: (text) => JSON.stringify({ prompt: 'Reply to this.', completion: text }), path: 'completion' },
];

describe.each(formats)('the checks every format shares, in $name', ({ parse, line, path }) => {
  it('accepts tabs and line breaks in content', () => {
    expect(parse(line('a\tb\nc\r\nd'), 1, options)).toHaveProperty('record');
  });

  it('rejects a line that is not JSON, quoting the parser', () => {
    expect(parse('{"messages": [', 4, options)).toEqual({
      line: 4,
      issues: [{ line: 4, path: '', code: 'invalid-json', message: expect.stringMatching(/^must be one JSON object per line: .+/) }],
    });
  });

  it('rejects JSON that is not an object', () => {
    expect(parse('["hi"]', 4, options)).toEqual({ line: 4, issues: [{ line: 4, path: '', code: 'invalid-type', message: 'must be a JSON object, got ["hi"]' }] });
    expect(parse('null', 4, options)).toMatchObject({ issues: [{ code: 'invalid-type', message: 'must be a JSON object, got null' }] });
  });

  it('rejects content holding U+FFFD, which is what invalid UTF-8 bytes decode to', () => {
    expect(parse(line('caf\uFFFD au lait'), 2, options)).toEqual({
      line: 2,
      issues: [{ line: 2, path, code: 'invalid-utf8', message: 'must be valid UTF-8, found U+FFFD (what undecodable bytes become) at character 4; re-encode the source as UTF-8' }],
    });
  });

  it('rejects content holding a lone surrogate, which UTF-8 cannot encode', () => {
    expect(parse(line('broken \uD83D emoji'), 2, options)).toMatchObject({ issues: [{ path, code: 'invalid-utf8', message: expect.stringContaining('lone surrogate U+D83D at character 8') }] });
    expect(parse(line('whole \uD83D\uDE00 emoji'), 2, options)).toHaveProperty('record');
  });

  it('rejects undecodable bytes outside the content, at the line', () => {
    const text = line('fine').replace(/}$/, ',"metadata":{"note":"\uFFFD"}}');
    expect(parse(text, 2, options)).toMatchObject({ issues: [{ path: '', code: 'invalid-utf8' }] });
  });

  it('rejects C0 controls other than tab and line breaks, DEL and C1 controls', () => {
    for (const [character, name] of [['\u0000', 'U+0000'], ['\u001B', 'U+001B'], ['\u007F', 'U+007F'], ['\u0085', 'U+0085']] as const) {
      expect(parse(line(`before${character}after`), 9, options)).toEqual({
        line: 9,
        issues: [{ line: 9, path, code: 'control-characters', message: `must not contain control characters, found ${name} at character 7; remove it or write it out as text` }],
      });
    }
  });

  it('rejects a record with more characters of content than the budget', () => {
    const outcome = parse(line('x'.repeat(100)), 5, { ...options, maxCharacters: 50 });
    expect(outcome).toMatchObject({ line: 5, issues: [{ line: 5, code: 'too-long', message: 'must hold at most 50 characters of content, got 114; shorten or split the record, or raise maxCharacters' }] });
  });

  it('rejects a line over maxLineBytes without parsing it, counting UTF-8 bytes', () => {
    const text = line('é'.repeat(40));
    const bytes = Buffer.byteLength(text);
    const limit = text.length + 20;
    expect(bytes).toBe(text.length + 40);
    expect(parse(text, 6, { ...options, maxLineBytes: limit })).toEqual({
      line: 6,
      issues: [{ line: 6, path: '', code: 'line-too-long', message: `must be at most ${limit} bytes, got ${bytes}; split the record or raise maxLineBytes` }],
    });
    expect(parse(text, 6, { ...options, maxLineBytes: bytes })).toHaveProperty('record');
    expect(parse('{not json but too long}'.repeat(10), 6, { ...options, maxLineBytes: 100 })).toMatchObject({ issues: [{ code: 'line-too-long' }] });
  });

  it('keeps a __proto__ key in metadata as plain data', () => {
    const outcome = parse(line('fine').replace(/}$/, ',"metadata":{"__proto__":{"polluted":true}}}'), 1, options);
    expect(outcome).toHaveProperty('record');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
