import { describe, expect, it } from 'vitest';
import { parseAlpaca } from '../../../datasets/formats/index.js';
import { options } from './collect-outcomes.js';

function parse(value: unknown, line = 3) {
  return parseAlpaca(JSON.stringify(value), line, options);
}

describe('parseAlpaca', () => {
  it('joins instruction and input with a blank line into the user message', () => {
    const outcome = parse({ instruction: 'Classify the sentiment of this review.', input: 'The battery died after two days.', output: 'negative' });
    expect(outcome).toEqual({
      line: 3,
      record: {
        schemaVersion: 1,
        messages: [
          { role: 'user', content: 'Classify the sentiment of this review.\n\nThe battery died after two days.' },
          { role: 'assistant', content: 'negative' },
        ],
      },
    });
  });

  it('leaves out an empty, blank or null input', () => {
    for (const input of ['', '   ', null, undefined]) {
      expect(parse({ instruction: 'Name three primary colours.', input, output: 'Red, yellow and blue.' })).toMatchObject({
        record: { messages: [{ role: 'user', content: 'Name three primary colours.' }, { role: 'assistant', content: 'Red, yellow and blue.' }] },
      });
    }
  });

  it('puts a system prompt first and keeps label and metadata', () => {
    expect(parse({ system: 'Answer in French.', instruction: 'Translate "cat".', output: 'chat', label: 'translation', metadata: { source: 'dolly' } })).toEqual({
      line: 3,
      record: {
        schemaVersion: 1,
        messages: [
          { role: 'system', content: 'Answer in French.' },
          { role: 'user', content: 'Translate "cat".' },
          { role: 'assistant', content: 'chat' },
        ],
        label: 'translation',
        metadata: { source: 'dolly' },
      },
    });
  });

  it('names a missing output and a wrongly typed input by path', () => {
    expect(parse({ instruction: 'Summarise.', input: 3 })).toEqual({
      line: 3,
      issues: [
        { line: 3, path: 'input', code: 'invalid-type', message: 'must be a string, got 3' },
        { line: 3, path: 'output', code: 'invalid-type', message: 'must be a string, got nothing' },
      ],
    });
  });

  it('rejects a blank instruction or output by their own paths', () => {
    expect(parse({ instruction: ' ', output: '' })).toEqual({
      line: 3,
      issues: [
        { line: 3, path: 'instruction', code: 'empty-content', message: 'must not be empty or only whitespace, got " "' },
        { line: 3, path: 'output', code: 'empty-content', message: 'must not be empty or only whitespace, got ""' },
      ],
    });
  });

  it('reports control characters in the input by its own path', () => {
    expect(parse({ instruction: 'Fix the typo.', input: 'teh\u0007cat', output: 'the cat' })).toMatchObject({
      issues: [{ path: 'input', code: 'control-characters', message: 'must not contain control characters, found U+0007 at character 4; remove it or write it out as text' }],
    });
  });
});
