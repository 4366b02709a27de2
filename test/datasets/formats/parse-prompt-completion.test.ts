import { describe, expect, it } from 'vitest';
import { parsePromptCompletion } from '../../../datasets/formats/index.js';
import { options } from './collect-outcomes.js';

function parse(value: unknown, line = 12) {
  return parsePromptCompletion(JSON.stringify(value), line, options);
}

describe('parsePromptCompletion', () => {
  it('turns prompt and completion into a user message and the assistant reply, verbatim', () => {
    expect(parse({ prompt: 'Ticket: My card was charged twice.\n\nCategory:', completion: ' billing\n' })).toEqual({
      line: 12,
      record: {
        schemaVersion: 1,
        messages: [
          { role: 'user', content: 'Ticket: My card was charged twice.\n\nCategory:' },
          { role: 'assistant', content: ' billing\n' },
        ],
      },
    });
  });

  it('keeps a label and metadata', () => {
    expect(parse({ prompt: 'Is 17 prime?', completion: 'Yes.', label: 'math', metadata: { difficulty: 1 } })).toMatchObject({
      record: { label: 'math', metadata: { difficulty: 1 } },
    });
  });

  it('rejects a line whose completion is missing or not a string', () => {
    expect(parse({ prompt: 'Hi' })).toEqual({ line: 12, issues: [{ line: 12, path: 'completion', code: 'invalid-type', message: 'must be a string, got nothing' }] });
    expect(parse({ prompt: 'Hi', completion: { text: 'Hello' } })).toMatchObject({ issues: [{ path: 'completion', code: 'invalid-type', message: 'must be a string, got {"text":"Hello"}' }] });
  });

  it('rejects a blank label, which should be left out instead', () => {
    expect(parse({ prompt: 'Hi', completion: 'Hello', label: '' })).toMatchObject({ issues: [{ path: 'label', code: 'empty-content' }] });
  });
});
