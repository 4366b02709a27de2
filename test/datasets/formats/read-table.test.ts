import { createReadStream } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalRecord } from '../../../datasets/canonical-record.js';
import { fieldsOf } from '../../../datasets/formats/read-table.js';
import { chunksOf, collectOutcomes, splitEvery } from './collect-outcomes.js';

const fixture = (name: string) => fileURLToPath(new URL(`__fixtures__/${name}`, import.meta.url));

describe('reading CSV', () => {
  it('reads a spreadsheet export with quoted commas, quotes and line breaks, numbering rows by the line they start on', async () => {
    const outcomes = await collectOutcomes(createReadStream(fixture('support-tickets.csv')), { format: 'csv' });
    expect(outcomes).toEqual([
      {
        line: 2,
        record: {
          schemaVersion: 1,
          messages: [
            { role: 'user', content: 'My card was charged twice for the Pro plan, please refund one.' },
            { role: 'assistant', content: "I'm sorry about the double charge. I've refunded the duplicate payment; it will show in 3-5 business days." },
          ],
          label: 'billing',
          metadata: { id: 'T-1001' },
        },
      },
      {
        line: 3,
        record: {
          schemaVersion: 1,
          messages: [
            { role: 'user', content: 'The export button does nothing.\nSteps:\n1. Open a report\n2. Click "Export"' },
            { role: 'assistant', content: 'Thanks for the steps. This is a known bug in 4.2; a fix ships Friday.' },
          ],
          label: 'bug',
          metadata: { id: 'T-1002' },
        },
      },
      expect.objectContaining({ line: 8, record: expect.objectContaining({ label: 'account' }) }),
    ]);
    for (const outcome of outcomes) expect(canonicalRecord.safeParse('record' in outcome ? outcome.record : undefined).success).toBe(true);
  });

  it('gives the same rows however the bytes are split into chunks', async () => {
    const whole = await collectOutcomes(createReadStream(fixture('support-tickets.csv')), { format: 'csv' });
    const bytes = await import('node:fs/promises').then(({ readFile }) => readFile(fixture('support-tickets.csv')));
    for (const size of [1, 5, 33]) expect(await collectOutcomes(chunksOf(...splitEvery(bytes, size)), { format: 'csv' })).toEqual(whole);
  });

  it('reads the columns the mapping names, and a system column when there is one', async () => {
    const text = 'question,answer,persona,topic\nWhat is 2+2?,4,You are terse.,math\n';
    expect(await collectOutcomes(text, { format: 'csv', columns: { prompt: 'question', completion: 'answer', system: 'persona', label: 'topic' } })).toEqual([
      {
        line: 2,
        record: {
          schemaVersion: 1,
          messages: [
            { role: 'system', content: 'You are terse.' },
            { role: 'user', content: 'What is 2+2?' },
            { role: 'assistant', content: '4' },
          ],
          label: 'math',
        },
      },
    ]);
  });

  it('says once which column the header lacks, and what the header holds', async () => {
    const outcomes = await collectOutcomes('question,completion\nWhat is 2+2?,4\nWhat is 3+3?,6\n', { format: 'csv' });
    expect(outcomes).toEqual([
      {
        line: 1,
        issues: [
          {
            line: 1,
            path: '',
            code: 'missing-column',
            message: 'header must have the column "prompt" for the prompt (columns.prompt), found ["question","completion"]; rename the column or map it with the option in brackets',
          },
        ],
      },
    ]);
  });

  it('names every missing column in the one issue', async () => {
    expect(await collectOutcomes('input;output\nHi;Hello\n', { format: 'csv' })).toMatchObject([
      {
        line: 1,
        issues: [
          {
            code: 'missing-column',
            message:
              'header must have the columns "prompt" for the prompt (columns.prompt) and "completion" for the completion (columns.completion), found ["input;output"]; rename the columns or map them with the option in brackets',
          },
        ],
      },
    ]);
  });

  it('requires a system or label column only when the mapping names it', async () => {
    const outcomes = await collectOutcomes('prompt,completion\nHi,Hello\n', { format: 'csv', columns: { label: 'category' } });
    expect(outcomes).toMatchObject([{ line: 1, issues: [{ code: 'missing-column', message: expect.stringContaining('"category" for the label (columns.label)') }] }]);
  });

  it('rejects a row with the wrong number of fields and reads on', async () => {
    const outcomes = await collectOutcomes('prompt,completion\nHi,Hello,extra\nBye,Goodbye\n', { format: 'csv' });
    expect(outcomes).toMatchObject([
      { line: 2, issues: [{ line: 2, path: '', code: 'invalid-csv', message: 'must have 2 fields like the header, got 3; quote fields that contain the delimiter, a quote or a line break' }] },
      { line: 3, record: { messages: [{ content: 'Bye' }, { content: 'Goodbye' }] } },
    ]);
  });

  it('reports a quote that is never closed on the row that opens it, and reads the lines after it again', async () => {
    const outcomes = await collectOutcomes('prompt,completion\n"Hi,Hello\nBye,Goodbye\nThanks,Welcome\n', { format: 'csv' });
    expect(outcomes).toMatchObject([
      { line: 2, issues: [{ line: 2, code: 'invalid-csv', message: 'has a quoted field that is not closed by the end of the input; close it, or write a quote inside a field as ""' }] },
      { line: 3, record: { messages: [{ content: 'Bye' }, { content: 'Goodbye' }] } },
      { line: 4, record: { messages: [{ content: 'Thanks' }, { content: 'Welcome' }] } },
    ]);
  });

  it('gives up on an open quote after maxLineBytes and reads the lines after it again', async () => {
    const rows = Array.from({ length: 20 }, (_, index) => `Question ${index},Answer ${index}`);
    const outcomes = await collectOutcomes(`prompt,completion\n"Unclosed,x\n${rows.join('\n')}\n`, { format: 'csv', maxLineBytes: 100 });
    expect(outcomes[0]).toMatchObject({ line: 2, issues: [{ code: 'invalid-csv', message: expect.stringContaining('not closed within maxLineBytes (100 bytes)') }] });
    expect(outcomes.slice(1).map((outcome) => ('record' in outcome ? outcome.line : -1))).toEqual(rows.map((_, index) => index + 3));
  });

  it('reports an overlong line, inside an open quote or not, in line order with the rows around it', async () => {
    const outcomes = await collectOutcomes(`prompt,completion\n"Unclosed,x\nA,B\n${'z'.repeat(200)}\nC,D\n${'w'.repeat(150)}\n`, { format: 'csv', maxLineBytes: 100 });
    expect(outcomes).toMatchObject([
      { line: 2, issues: [{ code: 'invalid-csv', message: expect.stringContaining('not closed before line 4, which is over maxLineBytes') }] },
      { line: 3, record: { messages: [{ content: 'A' }, { content: 'B' }] } },
      { line: 4, issues: [{ line: 4, code: 'line-too-long', message: 'must be at most 100 bytes, got 200; split the record or raise maxLineBytes' }] },
      { line: 5, record: { messages: [{ content: 'C' }, { content: 'D' }] } },
      { line: 6, issues: [{ code: 'line-too-long' }] },
    ]);
  });

  it('copes with one chunk of hundreds of thousands of lines inside a quote that never closes', async () => {
    const outcomes = await collectOutcomes(`prompt,completion\n"Unclosed,x${'\n'.repeat(300_000)}Hi,Hello\n`, { format: 'csv' });
    expect(outcomes).toMatchObject([{ line: 2, issues: [{ code: 'invalid-csv' }] }, { line: 300_002, record: {} }]);
  });

  it('applies the shared checks to the mapped columns, by column name', async () => {
    const outcomes = await collectOutcomes('prompt,completion\n"  ",Hello\nHi,"bell\u0007"\n', { format: 'csv' });
    expect(outcomes).toMatchObject([
      { line: 2, issues: [{ path: 'prompt', code: 'empty-content' }] },
      { line: 3, issues: [{ path: 'completion', code: 'control-characters' }] },
    ]);
  });

  it('reports invalid UTF-8 bytes in a field by its column', async () => {
    const bytes = Buffer.concat([Buffer.from('prompt,completion,note\nHi,Hello,caf'), Buffer.from([0xe9]), Buffer.from('\n')]);
    expect(await collectOutcomes(bytes, { format: 'csv' })).toMatchObject([{ line: 2, issues: [{ path: 'note', code: 'invalid-utf8' }] }]);
  });

  it('skips blank lines and rows of empty fields', async () => {
    const outcomes = await collectOutcomes('prompt,completion\n\n,\nHi,Hello\n', { format: 'csv' });
    expect(outcomes).toMatchObject([{ line: 4, record: {} }]);
  });

  it('keeps a column named __proto__ as plain metadata', async () => {
    const outcomes = await collectOutcomes('prompt,completion,__proto__\nHi,Hello,{}\n', { format: 'csv' });
    expect(outcomes).toHaveLength(1);
    const outcome = outcomes[0]!;
    if (!('record' in outcome)) throw new Error('expected a record');
    expect(Object.getPrototypeOf(outcome.record.metadata)).toBe(Object.prototype);
    expect(Object.hasOwn(outcome.record.metadata!, '__proto__')).toBe(true);
  });
});

describe('reading TSV', () => {
  it('reads tab-separated rows, and leaves out a blank system field', async () => {
    const outcomes = await collectOutcomes(createReadStream(fixture('translations.tsv')), { format: 'tsv' });
    expect(outcomes).toEqual([
      {
        line: 2,
        record: {
          schemaVersion: 1,
          messages: [
            { role: 'system', content: 'You are a translator.' },
            { role: 'user', content: 'Translate "good morning" to Spanish.' },
            { role: 'assistant', content: 'Buenos días.' },
          ],
        },
      },
      { line: 3, record: { schemaVersion: 1, messages: [{ role: 'user', content: 'Translate "thank you" to German.' }, { role: 'assistant', content: 'Danke.' }] } },
    ]);
  });

  it('reads a quoted TSV field holding a tab and a line break', async () => {
    const outcomes = await collectOutcomes('prompt\tcompletion\n"a\tb\nc"\tdone\n', { format: 'tsv' });
    expect(outcomes).toMatchObject([{ line: 2, record: { messages: [{ content: 'a\tb\nc' }, { content: 'done' }] } }]);
  });
});

describe('splitting a row into fields', () => {
  it.each([',', '\t'])('splits a row without quotes exactly as csv-parse does (delimiter %j)', (delimiter) => {
    const unquoted = fc.string({ unit: fc.constantFrom('a', ' ', ',', '\t', '\r', 'é', '\\', "'") });
    fc.assert(
      fc.property(unquoted, (text) => {
        const expected = parse(text, { delimiter, relax_quotes: true, relax_column_count: true, record_delimiter: '\n', skip_empty_lines: false }) as string[][];
        expect(fieldsOf({ line: 1, text }, delimiter)).toEqual({ fields: expected[0] ?? [''] });
      }),
      { numRuns: 300 },
    );
  });
});
