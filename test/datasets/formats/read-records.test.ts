import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../core/index.js';
import { defaultReaderOptions, readRecords } from '../../../datasets/formats/index.js';
import { chunksOf, collectOutcomes, splitEvery } from './collect-outcomes.js';

const chat = (reply: string) => JSON.stringify({ messages: [{ role: 'user', content: 'Where is my order #25838?' }, { role: 'assistant', content: reply }] });

describe('readRecords', () => {
  it('numbers records by their physical line from 1 and skips blank lines', async () => {
    const outcomes = await collectOutcomes(`${chat('first')}\n\n   \n${chat('second')}\n`, { format: 'openai-chat' });
    expect(outcomes.map((outcome) => outcome.line)).toEqual([1, 4]);
    expect(outcomes.every((outcome) => 'record' in outcome)).toBe(true);
  });

  it('reads CRLF line endings without keeping the CR', async () => {
    const outcomes = await collectOutcomes(`${chat('first')}\r\n\r\n${chat('second')}\r\n`, { format: 'openai-chat' });
    expect(outcomes).toMatchObject([
      { line: 1, record: { messages: [{}, { content: 'first' }] } },
      { line: 3, record: { messages: [{}, { content: 'second' }] } },
    ]);
  });

  it('reads a last line without a line break, and skips a leading byte order mark', async () => {
    const outcomes = await collectOutcomes(`\uFEFF${chat('first')}\n${chat('last')}`, { format: 'openai-chat' });
    expect(outcomes.map((outcome) => 'record' in outcome)).toEqual([true, true]);
  });

  it('gives the same outcomes however the bytes are split into chunks, multi-byte characters included', async () => {
    const bytes = Buffer.from(`${chat('déjà vu 🙂')}\r\n${chat('naïve')}\n\n${chat('日本語')}`);
    const whole = await collectOutcomes(bytes, { format: 'openai-chat' });
    for (const size of [1, 2, 3, 7, 64]) expect(await collectOutcomes(chunksOf(...splitEvery(bytes, size)), { format: 'openai-chat' })).toEqual(whole);
    expect(whole).toMatchObject([{ line: 1 }, { line: 2 }, { line: 4, record: { messages: [{}, { content: '日本語' }] } }]);
  });

  it('reports invalid UTF-8 bytes on their line and reads the lines around them', async () => {
    const bytes = Buffer.concat([Buffer.from(`${chat('before')}\n`), Buffer.from('{"messages":[{"role":"user","content":"caf'), Buffer.from([0xc3, 0x28]), Buffer.from(`"},{"role":"assistant","content":"ok"}]}\n${chat('after')}\n`)]);
    const outcomes = await collectOutcomes(bytes, { format: 'openai-chat' });
    expect(outcomes).toMatchObject([
      { line: 1, record: {} },
      { line: 2, issues: [{ line: 2, path: 'messages[0].content', code: 'invalid-utf8', message: expect.stringContaining('found U+FFFD') }] },
      { line: 3, record: {} },
    ]);
  });

  it('keeps reading after a line that is not JSON, a line of the wrong shape and a rejected conversation', async () => {
    const text = [chat('one'), '{"messages": [', '{"prompt": "hi"}', JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }), chat('five')].join('\n');
    const outcomes = await collectOutcomes(text, { format: 'openai-chat' });
    expect(outcomes.map((outcome) => ('record' in outcome ? 'record' : outcome.issues[0]!.code))).toEqual(['record', 'invalid-json', 'invalid-type', 'no-assistant', 'record']);
    expect(outcomes.map((outcome) => outcome.line)).toEqual([1, 2, 3, 4, 5]);
  });

  it('reports a line over maxLineBytes by size, without holding it, and reads on', async () => {
    const long = `{"messages":[{"role":"user","content":"${'x'.repeat(5000)}"}]}`;
    const bytes = Buffer.from(`${chat('one')}\n${long}\r\n${chat('three')}\n`);
    const outcomes = await collectOutcomes(chunksOf(...splitEvery(bytes, 100)), { format: 'openai-chat', maxLineBytes: 1000 });
    expect(outcomes).toEqual([
      expect.objectContaining({ line: 1, record: expect.anything() }),
      { line: 2, issues: [{ line: 2, path: '', code: 'line-too-long', message: `must be at most 1000 bytes, got ${long.length}; split the record or raise maxLineBytes` }] },
      expect.objectContaining({ line: 3, record: expect.anything() }),
    ]);
  });

  it('reads a Node stream of strings', async () => {
    const text = `${chat('one')}\n${chat('two')}\n`;
    const outcomes = await collectOutcomes(Readable.from([text.slice(0, 90), text.slice(90)]), { format: 'openai-chat' });
    expect(outcomes).toMatchObject([{ record: { messages: [{}, { content: 'one' }] } }, { record: { messages: [{}, { content: 'two' }] } }]);
  });

  it('stops reading its input when the consumer stops early', async () => {
    let destroyed = false;
    const stream = new Readable({
      read() {
        this.push(`${chat('again')}\n`);
      },
      destroy(error, callback) {
        destroyed = true;
        callback(error);
      },
    });
    let seen = 0;
    for await (const outcome of readRecords(stream, { ...defaultReaderOptions, format: 'openai-chat' })) {
      expect(outcome).toHaveProperty('record');
      seen += 1;
      if (seen === 3) break;
    }
    expect(destroyed).toBe(true);
  });

  it('rejects a format it does not know before reading', async () => {
    const error = await collectOutcomes('', { format: 'xml' as 'csv' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InputError);
    expect(error).toMatchObject({ code: 'format-unknown', message: 'dataset format must be one of auto|openai-chat|alpaca|prompt-completion|csv|tsv, got "xml"' });
  });
});
