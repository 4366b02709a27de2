import { InputError } from '../../core/index.js';
import { detectFormat, formatOfFileName } from './detect-format.js';
import { parseAlpaca } from './parse-alpaca.js';
import { parseOpenAiChat } from './parse-openai-chat.js';
import { parsePromptCompletion } from './parse-prompt-completion.js';
import { readTable, tableDelimiters } from './read-table.js';
import { isBlank, lineTooLong } from './record-checks.js';
import { datasetFormats, type DatasetFormat, type LineParser, type ReaderOptions, type ReadOutcome } from './record-reader.js';
import { splitLines, type PhysicalLine } from './split-lines.js';

/** The line parser of each JSONL format. */
const lineParsers: Readonly<Record<Exclude<DatasetFormat, 'csv' | 'tsv'>, LineParser>> = {
  'openai-chat': parseOpenAiChat,
  alpaca: parseAlpaca,
  'prompt-completion': parsePromptCompletion,
};

/** How many non-blank lines `auto` looks at before it gives up telling the format. */
const detectionLines = 16;

/** Options of `readRecords`: the reader limits, the format (or `auto`), and the file name `auto` may go by. */
export type ReadRecordsOptions = ReaderOptions & { format: DatasetFormat | 'auto'; fileName?: string };

async function* replay(buffered: readonly PhysicalLine[][], rest: AsyncGenerator<PhysicalLine[]>): AsyncGenerator<PhysicalLine[]> {
  yield* buffered;
  yield* rest;
}

/** Reads just enough batches to see the first few lines, tells the format, and hands back every line. */
async function detect(batches: AsyncGenerator<PhysicalLine[]>, fileName: string | undefined): Promise<{ format: DatasetFormat; lines: AsyncIterable<PhysicalLine[]> }> {
  const byName = formatOfFileName(fileName);
  if (byName !== undefined) return { format: byName, lines: batches };
  const buffered: PhysicalLine[][] = [];
  const texts: string[] = [];
  let seen = 0;
  // Overlong and blank lines count too, so a file of nothing else is not buffered whole.
  while (texts.length < detectionLines && seen < detectionLines * 64) {
    const next = await batches.next();
    if (next.done === true) break;
    buffered.push(next.value);
    seen += next.value.length;
    for (const physical of next.value) if ('text' in physical && !isBlank(physical.text)) texts.push(physical.text);
  }
  try {
    return { format: detectFormat(texts.slice(0, detectionLines), fileName), lines: replay(buffered, batches) };
  } catch (error) {
    await batches.return(undefined);
    throw error;
  }
}

/**
 * Streams the records of a dataset: one outcome per non-blank line (per row for CSV/TSV), numbered
 * from 1, each a canonical record or the issues that reject it; a bad line never stops the rest.
 * Memory stays bounded by `maxLineBytes` and one input chunk. With `format: 'auto'` the format comes
 * from the file extension or the first lines, and an InputError `format-unknown` is thrown if it cannot.
 * @example for await (const outcome of readRecords(createReadStream(path), { ...defaultReaderOptions, format: 'auto', fileName: path })) { ... }
 */
export async function* readRecords(input: NodeJS.ReadableStream | AsyncIterable<Buffer | string>, options: ReadRecordsOptions): AsyncGenerator<ReadOutcome> {
  if (options.format !== 'auto' && !datasetFormats.includes(options.format)) {
    throw new InputError(`dataset format must be one of auto|${datasetFormats.join('|')}, got ${JSON.stringify(options.format)}`, { code: 'format-unknown' });
  }
  const batches = splitLines(input as AsyncIterable<Buffer | string>, options.maxLineBytes);
  const { format, lines } = options.format === 'auto' ? await detect(batches, options.fileName) : { format: options.format, lines: batches };
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
