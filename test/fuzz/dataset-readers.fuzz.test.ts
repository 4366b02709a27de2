// Fuzzes the dataset readers end to end: whatever bytes a dataset file holds, however they arrive in chunks,
// `readRecords` finishes, yields one outcome per line (a canonical record or well-formed issues), and never throws
// for a bad line. With `format: auto` the only throw allowed is the clear `format-unknown` input error.
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../core/index.js';
import { canonicalRecord } from '../../datasets/index.js';
import { defaultReaderOptions, readRecords, type DatasetFormat, type ReadOutcome } from '../../datasets/formats/index.js';
import { anyJsonValue, anyText, expectNoStackTrace, fuzzParameters, insertAt, withDeadline } from './fuzz-support.js';

type Format = DatasetFormat | 'auto';
const formats: Format[] = ['openai-chat', 'alpaca', 'prompt-completion', 'csv', 'tsv', 'auto'];

const fixture = (path: string): string => readFileSync(new URL(path, import.meta.url), 'utf8');
const validFiles: Record<Exclude<Format, 'auto'>, string> = {
  'openai-chat': fixture('../../examples/support-triage/data.jsonl').split('\n').slice(0, 6).join('\n'),
  alpaca: [
    '{"instruction": "Translate to French", "input": "good night", "output": "bonne nuit", "label": "fr"}',
    '{"instruction": "Say hi", "output": "hi", "system": "Be brief.", "metadata": {"source": "manual"}}',
    '{"instruction": "Sum", "input": null, "output": "4", "label": null}',
  ].join('\n'),
  'prompt-completion': ['{"prompt": "2+2?", "completion": "4"}', '{"prompt": "Capital of France?", "completion": "Paris", "label": "geo", "metadata": {"n": 1}}'].join('\r\n'),
  csv: fixture('../datasets/formats/__fixtures__/support-tickets.csv'),
  tsv: fixture('../datasets/formats/__fixtures__/translations.tsv'),
};

/** Splits bytes into chunks at the given cut points, so that chunk edges fall inside lines and multi-byte characters. */
function chunked(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of points) {
    if (point > from) chunks.push(bytes.subarray(from, point));
    from = Math.max(from, point);
  }
  if (from < bytes.length) chunks.push(bytes.subarray(from));
  return chunks;
}

interface ReadCase {
  bytes: Buffer;
  cuts: number[];
  maxLineBytes: number;
  maxCharacters: number;
}

/** Reads `bytes` in chunks through a real Readable stream, as a file would arrive; fails if the reader hangs. */
async function readAll(format: Format, input: ReadCase): Promise<{ outcomes: ReadOutcome[] } | { thrown: unknown }> {
  const stream = Readable.from(chunked(input.bytes, input.cuts), { objectMode: true });
  const outcomes: ReadOutcome[] = [];
  const options = { ...defaultReaderOptions, format, maxLineBytes: input.maxLineBytes, maxCharacters: input.maxCharacters };
  const read = async (): Promise<{ outcomes: ReadOutcome[] } | { thrown: unknown }> => {
    try {
      for await (const outcome of readRecords(stream, options)) outcomes.push(outcome);
      return { outcomes };
    } catch (thrown) {
      return { thrown };
    }
  };
  return withDeadline(read(), 10_000, `readRecords(${format})`);
}

/** Every outcome is on a line of the input, in order, and is a canonical record or a non-empty list of well-formed issues. */
function expectWellFormed(format: Format, input: ReadCase, result: { outcomes: ReadOutcome[] } | { thrown: unknown }): void {
  if ('thrown' in result) {
    // Only `auto` may refuse the whole file, and only because it cannot tell the format.
    const error = result.thrown;
    if (!(error instanceof InputError) || format !== 'auto') throw new Error(`readRecords(${format}) threw ${String(error)}`, { cause: error });
    expect(error.code).toBe('format-unknown');
    expect(error.message).toMatch(/^cannot tell the format of the dataset/);
    expectNoStackTrace(error.message);
    return;
  }
  const lineCount = input.bytes.toString('utf8').split('\n').length;
  let previous = 0;
  for (const outcome of result.outcomes) {
    expect(Number.isInteger(outcome.line)).toBe(true);
    expect(outcome.line).toBeGreaterThan(previous);
    expect(outcome.line).toBeLessThanOrEqual(lineCount);
    previous = outcome.line;
    if ('record' in outcome) {
      expect('issues' in outcome).toBe(false);
      const checked = canonicalRecord.safeParse(outcome.record);
      expect(checked.success, checked.error?.message).toBe(true);
      const characters = outcome.record.messages.reduce((sum, message) => sum + message.content.length, 0);
      expect(characters).toBeLessThanOrEqual(input.maxCharacters);
      continue;
    }
    expect(outcome.issues.length).toBeGreaterThan(0);
    for (const issue of outcome.issues) {
      expect(issue.line).toBe(outcome.line);
      expect(typeof issue.path).toBe('string');
      expect(issue.code).toMatch(/^[a-z0-9-]+$/);
      expect(issue.message.length).toBeGreaterThan(0);
      expectNoStackTrace(issue.message);
    }
  }
}

const cuts = fc.array(fc.nat({ max: 1 << 20 }), { maxLength: 12 });
const limits = fc.record({
  maxLineBytes: fc.oneof(fc.constant(defaultReaderOptions.maxLineBytes), fc.integer({ min: 1, max: 400 }), fc.integer({ min: 400, max: 50_000 })),
  maxCharacters: fc.oneof(fc.constant(defaultReaderOptions.maxCharacters), fc.integer({ min: 0, max: 300 })),
});

/** Bytes that UTF-8 cannot decode, BOMs, CR, LF, NUL and quotes: what breaks line splitting and decoding. */
const awkwardBytes = fc.constantFrom(
  Buffer.from([0xff]),
  Buffer.from([0xc3]),
  Buffer.from([0xe2, 0x82]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xef, 0xbb, 0xbf]),
  Buffer.from('\r\n'),
  Buffer.from('\r'),
  Buffer.from('\n'),
  Buffer.from([0]),
  Buffer.from('"'),
  Buffer.from('""'),
  Buffer.from(','),
  Buffer.from('\t'),
  Buffer.from('\\ud800'),
  Buffer.from('é€😀'),
);

const randomBytes = fc.oneof(
  fc.uint8Array({ maxLength: 600 }).map((bytes) => Buffer.from(bytes)),
  fc.array(fc.oneof(awkwardBytes, anyText.map((text) => Buffer.from(text, 'utf8'))), { maxLength: 20 }).map((parts) => Buffer.concat(parts)),
);

/** JSON lines of random values, including objects with the keys of every format and values of the wrong types. */
const jsonLine = fc.oneof(
  fc.json(),
  anyJsonValue.map((value) => JSON.stringify(value)),
  fc
    .record(
      {
        messages: fc.oneof(anyJsonValue, fc.array(fc.record({ role: fc.oneof(fc.constantFrom('user', 'assistant', 'system', 'tool', 'bot'), anyText), content: fc.oneof(anyText, anyJsonValue) }, { requiredKeys: [] }), { maxLength: 4 })),
        instruction: fc.oneof(anyText, anyJsonValue),
        input: fc.oneof(anyText, anyJsonValue),
        output: fc.oneof(anyText, anyJsonValue),
        prompt: fc.oneof(anyText, anyJsonValue),
        completion: fc.oneof(anyText, anyJsonValue),
        system: fc.oneof(anyText, anyJsonValue),
        label: fc.oneof(anyText, anyJsonValue),
        metadata: anyJsonValue,
      },
      { requiredKeys: [] },
    )
    .map((value) => JSON.stringify(value)),
);
const jsonLines = fc.array(fc.oneof({ weight: 6, arbitrary: jsonLine }, { weight: 1, arbitrary: anyText }), { maxLength: 20 }).map((lines) => Buffer.from(lines.join('\n'), 'utf8'));

/** A valid file of `format` with one byte-level change: hostile bytes put in, a cut, a repeated or dropped line, a duplicated key, a very long line. */
function mutatedFile(format: Exclude<Format, 'auto'>): fc.Arbitrary<Buffer> {
  const text = validFiles[format];
  const lines = text.split('\n');
  const fraction = fc.double({ min: 0, max: 1, noNaN: true });
  const lineIndex = fc.nat({ max: lines.length - 1 });
  const withLine = (index: number, line: string) => [...lines.slice(0, index), line, ...lines.slice(index + 1)].join('\n');
  return fc.oneof(
    fc.tuple(fraction, awkwardBytes).map(([at, bytes]) => {
      const whole = Buffer.from(text, 'utf8');
      const index = Math.floor(at * (whole.length + 1));
      return Buffer.concat([whole.subarray(0, index), bytes, whole.subarray(index)]);
    }),
    fc.tuple(fraction, anyText).map(([at, insertion]) => Buffer.from(insertAt(text, at, insertion), 'utf8')),
    fraction.map((at) => Buffer.from(text, 'utf8').subarray(0, Math.floor(at * Buffer.byteLength(text)))),
    lineIndex.map((index) => Buffer.from([...lines.slice(0, index + 1), ...lines.slice(index)].join('\n'), 'utf8')),
    lineIndex.map((index) => Buffer.from([...lines.slice(0, index), ...lines.slice(index + 1)].join('\n'), 'utf8')),
    lineIndex.map((index) => Buffer.from(withLine(index, lines[index]!.replace(/^\{/, '{"prompt": 1, "messages": "x", "instruction": [], ')), 'utf8')),
    fc.tuple(lineIndex, fc.constantFrom(500, 70_000)).map(([index, size]) => Buffer.from(withLine(index, `${lines[index]!}${'y'.repeat(size)}`), 'utf8')),
    fc.tuple(lineIndex, fc.integer({ min: 1, max: 20_000 })).map(([index, depth]) => Buffer.from(withLine(index, `{"messages": ${'['.repeat(depth)}${']'.repeat(depth)}, "prompt": ${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`), 'utf8')),
  );
}

/** A CSV/TSV file with a usable header and random rows: stray and doubled quotes, delimiters, line breaks inside fields. */
function tableFile(delimiter: string): fc.Arbitrary<Buffer> {
  const field = fc.oneof(anyText, fc.constantFrom('"', '""', '"a""b"', '"open', 'close"', '"multi\nline"', delimiter, '\r', ' '));
  const header = fc.constantFrom(['prompt', 'completion'], ['prompt', 'completion', 'label', 'system'], ['id', ' prompt ', 'completion', '__proto__']);
  return fc
    .tuple(header, fc.array(fc.array(field, { maxLength: 5 }), { maxLength: 12 }))
    .map(([names, rows]) => Buffer.from([names.join(delimiter), ...rows.map((fields) => fields.join(delimiter))].join('\n'), 'utf8'));
}

/** Random lines in the shape of `format`: JSON lines, or rows under a header for CSV/TSV. */
const randomLines = (format: Format): fc.Arbitrary<Buffer> => (format === 'csv' ? tableFile(',') : format === 'tsv' ? tableFile('\t') : jsonLines);

const readCase = (bytes: fc.Arbitrary<Buffer>): fc.Arbitrary<ReadCase> => fc.record({ bytes, cuts, maxLineBytes: limits.map((limit) => limit.maxLineBytes), maxCharacters: limits.map((limit) => limit.maxCharacters) });

describe.each(formats)('readRecords(%s) on hostile input', (format) => {
  it('reads the valid sample files without issues', async () => {
    if (format === 'auto') return;
    const result = await readAll(format, { bytes: Buffer.from(validFiles[format], 'utf8'), cuts: [], maxLineBytes: defaultReaderOptions.maxLineBytes, maxCharacters: defaultReaderOptions.maxCharacters });
    expect('outcomes' in result && result.outcomes.every((outcome) => 'record' in outcome)).toBe(true);
  });

  it('finishes random bytes, in random chunks, with records or issues for every line', async () => {
    await fc.assert(
      fc.asyncProperty(readCase(randomBytes), async (input) => expectWellFormed(format, input, await readAll(format, input))),
      fuzzParameters(300),
    );
  });

  it('finishes random lines in the shape of the format with records or issues for every line', async () => {
    await fc.assert(
      fc.asyncProperty(readCase(randomLines(format)), async (input) => expectWellFormed(format, input, await readAll(format, input))),
      fuzzParameters(300),
    );
  });

  it('finishes every mutation of a valid file with records or issues for every line', async () => {
    const source = format === 'auto' ? fc.constantFrom(...(Object.keys(validFiles) as Array<Exclude<Format, 'auto'>>)).chain(mutatedFile) : mutatedFile(format);
    await fc.assert(
      fc.asyncProperty(readCase(source), async (input) => expectWellFormed(format, input, await readAll(format, input))),
      fuzzParameters(300),
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
