import { describe, expect, it } from 'vitest';
import { InputError } from '../../../core/index.js';
import { detectFormat } from '../../../datasets/formats/index.js';
import { collectOutcomes } from './collect-outcomes.js';

function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('detectFormat', () => {
  it('goes by a .csv or .tsv extension, whatever the lines hold', () => {
    expect(detectFormat(['{"messages": []}'], 'exports/Tickets.CSV')).toBe('csv');
    expect(detectFormat([], 'data/pairs.tsv')).toBe('tsv');
  });

  it('tells each JSONL format from the keys of its first JSON object', () => {
    expect(detectFormat(['{"messages": [{"role": "user", "content": "hi"}]}'], 'chat.jsonl')).toBe('openai-chat');
    expect(detectFormat(['{"instruction": "Add.", "input": "2 2", "output": "4"}'])).toBe('alpaca');
    expect(detectFormat(['{"prompt": "2+2=", "completion": "4"}'])).toBe('prompt-completion');
  });

  it('skips blank lines, a byte order mark and lines that do not parse', () => {
    expect(detectFormat(['\uFEFF', '', 'not json', '[1, 2]', '{"prompt": "a", "completion": "b"}'])).toBe('prompt-completion');
  });

  it('throws format-unknown naming the keys it found and the keys each format needs', () => {
    const error = thrownBy(() => detectFormat(['{"question": "2+2?", "answer": "4"}'], 'qa.jsonl'));
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({
      code: 'format-unknown',
      message:
        'cannot tell the format of dataset qa.jsonl: its first JSON object has the keys "question", "answer", but openai-chat needs "messages", alpaca needs "instruction" and "output", prompt-completion needs "prompt" and "completion"; pass the format explicitly (one of openai-chat|alpaca|prompt-completion|csv|tsv)',
    });
  });

  it('throws format-unknown when no line is a JSON object', () => {
    expect(thrownBy(() => detectFormat(['prompt,completion', 'a,b']))).toMatchObject({
      code: 'format-unknown',
      message: expect.stringContaining('none of its first 2 lines is a JSON object, and its name does not end in .csv or .tsv'),
    });
  });
});

describe('readRecords with format auto', () => {
  it('detects the format from the first lines and still reads every line', async () => {
    const lines = Array.from({ length: 40 }, (_, index) => JSON.stringify({ instruction: `Double ${index}.`, output: String(index * 2) }));
    const outcomes = await collectOutcomes(`not json\n${lines.join('\n')}\n`, { format: 'auto' });
    expect(outcomes).toHaveLength(41);
    expect(outcomes[0]).toMatchObject({ line: 1, issues: [{ code: 'invalid-json' }] });
    expect(outcomes[40]).toMatchObject({ line: 41, record: { messages: [{ content: 'Double 39.' }, { content: '78' }] } });
  });

  it('reads a .csv file name as CSV', async () => {
    expect(await collectOutcomes('prompt,completion\nHi,Hello\n', { format: 'auto', fileName: 'pairs.csv' })).toMatchObject([{ line: 2, record: {} }]);
  });

  it('throws format-unknown before yielding anything when it cannot tell', async () => {
    const error = await collectOutcomes('prompt,completion\nHi,Hello\n', { format: 'auto', fileName: 'pairs.txt' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ code: 'format-unknown', message: expect.stringContaining('dataset pairs.txt') });
  });
});
