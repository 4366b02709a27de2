import { InputError } from '../../core/index.js';
import { Buffer } from 'node:buffer';
import { detectFormat, formatOfFileName } from './detect-format.js';
import { parseAlpaca } from './parse-alpaca.js';
import { parseOpenAiChat } from './parse-openai-chat.js';
import { parsePromptCompletion } from './parse-prompt-completion.js';
import { readTable, tableDelimiters } from './read-table.js';
import { isBlank, lineTooLong } from './record-checks.js';
import { datasetFormats, type DatasetFormat, type LineParser, type ReaderOptions, type ReadOutcome } from './record-reader.js';
import { splitLines } from './split-lines.js';

/** The line parser of each JSONL format. */
export const lineParsers: Readonly<Record<Exclude<DatasetFormat, 'csv' | 'tsv'>, LineParser>> = {
  'openai-chat': parseOpenAiChat,
  alpaca: parseAlpaca,
  'prompt-completion': parsePromptCompletion,
};

/** How many non-blank lines `auto` looks at before it gives up telling the format. */
const detectionLines = 16;

/** Options of `readRecords`: the reader limits, the format (or `auto`), and the file name `auto` may go by. */
export type ReadRecordsOptions = ReaderOptions & { format: DatasetFormat | 'auto'; fileName?: string };

/**
 * Tells the format of a stream: `format` unless it is `auto`, else by the file extension, else by
 * its first few lines (an InputError `format-unknown` when it cannot). Returns the stream to read
 * from, which replays the chunks looked at.
 */
export async function resolveFormat(
  input: AsyncIterable<Buffer | string>,
  options: { format: DatasetFormat | 'auto'; fileName?: string; maxLineBytes: number },
): Promise<{ format: DatasetFormat; input: AsyncIterable<Buffer | string> }> {
  if (options.format !== 'auto' && !datasetFormats.includes(options.format)) {
    throw new InputError(`dataset format must be one of auto|${datasetFormats.join('|')}, got ${JSON.stringify(options.format)}`, { code: 'format-unknown' });
  }
  if (options.format !== 'auto') return { format: options.format, input };
  const byName = formatOfFileName(options.fileName);
  if (byName !== undefined) return { format: byName, input };
  const source = input[Symbol.asyncIterator]();
  const seenChunks: Array<Buffer | string> = [];
  const recording: AsyncIterable<Buffer | string> = {
    [Symbol.asyncIterator]: () => ({
      next: async () => {
        const next = await source.next();
        if (next.done !== true) seenChunks.push(next.value);
        return next;
      },
    }),
  };
  // The line splitter pulls a chunk only when asked for the next batch, so the chunks seen are exactly those its batches came from.
  const batches = splitLines(recording, options.maxLineBytes);
  const texts: string[] = [];
  let seen = 0;
  // Overlong and blank lines count too, so a file of nothing else is not buffered whole.
  while (texts.length < detectionLines && seen < detectionLines * 64) {
    const next = await batches.next();
    if (next.done === true) break;
    seen += next.value.length;
    for (const physical of next.value) if ('text' in physical && !isBlank(physical.text)) texts.push(physical.text);
  }
  let format: DatasetFormat;
  try {
    format = detectFormat(texts.slice(0, detectionLines), options.fileName);
  } catch (error) {
    await source.return?.();
    throw error;
  }
  async function* replay(): AsyncGenerator<Buffer | string> {
    try {
      yield* seenChunks;
      for (;;) {
        const next = await source.next();
        if (next.done === true) return;
        yield next.value;
      }
    } finally {
      // A reader that stops early closes the source, as iterating it directly would.
      await source.return?.();
    }
  }
  return { format, input: replay() };
}

/**
 * Streams the records of a dataset: one outcome per non-blank line (per row for CSV/TSV), numbered
 * from 1, each a canonical record or the issues that reject it; a bad line never stops the rest.
 * Memory stays bounded by `maxLineBytes` and one input chunk. With `format: 'auto'` the format comes
 * from the file extension or the first lines, and an InputError `format-unknown` is thrown if it cannot.
 * @example for await (const outcome of readRecords(createReadStream(path), { ...defaultReaderOptions, format: 'auto', fileName: path })) { ... }
 */
export async function* readRecords(input: NodeJS.ReadableStream | AsyncIterable<Buffer | string>, options: ReadRecordsOptions): AsyncGenerator<ReadOutcome> {
  const resolved = await resolveFormat(input as AsyncIterable<Buffer | string>, options);
  const { format } = resolved;
  const lines = splitLines(resolved.input, options.maxLineBytes);
  if (format === 'csv' || format === 'tsv') {
    yield* readTable(lines, options, tableDelimiters[format]);
    return;
  }
  const parse = lineParsers[format];
  for await (const batch of lines) {
    for (const physical of batch) {
      if (!('text' in physical)) yield { line: physical.line, issues: [lineTooLong(physical.line, physical.bytes, options.maxLineBytes)] };
      else if (!isBlank(physical.text)) yield parse(physical.text, physical.line, options);
    }
  }
}
