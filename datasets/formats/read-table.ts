import { parse } from 'csv-parse/sync';
import type { ValidationIssue } from '../../core/index.js';
import { parseTableRow, resolveColumns, type TableColumns } from './parse-table-row.js';
import { isBlank, lineTooLong } from './record-checks.js';
import type { ReaderOptions, ReadOutcome } from './record-reader.js';
import type { PhysicalLine } from './split-lines.js';

/** The column separator of each table format. */
export const tableDelimiters = { csv: ',', tsv: '\t' } as const;

type TextLine = { line: number; text: string };

/** A record's text (its lines joined by LF) and the line it starts on, or the issue that stands in for it. */
type TableRecord = TextLine | { line: number; issue: ValidationIssue };

/**
 * Whether a line leaves a quoted field open, given whether one was open when it began. Mirrors
 * csv-parse with `relax_quotes`: a quote opens a field only at its start, `""` inside is a quote.
 */
function endsQuoted(text: string, delimiter: string, quotedAtStart: boolean): boolean {
  if (!quotedAtStart && !text.includes('"')) return false;
  let quoting = quotedAtStart;
  let fieldStarted = quotedAtStart;
  for (let index = 0; index < text.length; index += 1) {
    const character = text[index];
    if (quoting) {
      if (character !== '"') continue;
      if (text[index + 1] === '"') index += 1;
      else quoting = false;
    } else if (character === '"' && !fieldStarted) {
      quoting = true;
      fieldStarted = true;
    } else {
      fieldStarted = character !== delimiter;
    }
  }
  return quoting;
}

function unclosedQuote(line: number, within: string): ValidationIssue {
  return { line, path: '', code: 'invalid-csv', message: `has a quoted field that is not closed ${within}; close it, or write a quote inside a field as ""` };
}

/**
 * Groups physical lines into records, joining the lines a quoted field spans. A record whose quote
 * stays open past `maxLineBytes`, an overlong line or the end of the input is reported on its first
 * line, and the lines after that are read again on their own, so one stray quote costs one row.
 */
async function* assembleRecords(lines: AsyncIterable<PhysicalLine[]>, delimiter: string, maxLineBytes: number): AsyncGenerator<TableRecord> {
  let open: TextLine[] = [];
  let openBytes = 0;
  // Lines still to consume, from `next` on; array spreads, not push(...lines), since a batch can be huge.
  let queue: PhysicalLine[] = [];
  let next = 0;

  function* abandon(within: string, alsoAgain: PhysicalLine[] = []): Generator<TableRecord> {
    const [first, ...rest] = open;
    open = [];
    openBytes = 0;
    queue = [...rest, ...alsoAgain, ...queue.slice(next)];
    next = 0;
    if (first !== undefined) yield { line: first.line, issue: unclosedQuote(first.line, within) };
  }

  function* consume(physical: PhysicalLine): Generator<TableRecord> {
    if (!('text' in physical)) {
      if (open.length > 0) yield* abandon(`before line ${physical.line}, which is over maxLineBytes`, [physical]);
      else yield { line: physical.line, issue: lineTooLong(physical.line, physical.bytes, maxLineBytes) };
      return;
    }
    if (open.length === 0 && isBlank(physical.text)) return;
    open.push(physical);
    openBytes += Buffer.byteLength(physical.text) + 1;
    if (endsQuoted(physical.text, delimiter, open.length > 1)) {
      if (openBytes > maxLineBytes) yield* abandon(`within maxLineBytes (${maxLineBytes} bytes)`);
      return;
    }
    const record = open.length === 1 ? physical : { line: open[0]!.line, text: open.map((part) => part.text).join('\n') };
    open = [];
    openBytes = 0;
    yield record;
  }

  function* drain(): Generator<TableRecord> {
    while (next < queue.length) yield* consume(queue[next++]!);
    queue = [];
    next = 0;
  }

  for await (const batch of lines) {
    queue = batch;
    next = 0;
    yield* drain();
  }
  while (open.length > 0) {
    yield* abandon('by the end of the input');
    yield* drain();
  }
}

/**
 * Splits one record's text into fields, or says why it cannot. Without a quote, fields are exactly
 * the text between delimiters, and splitting them is several times faster than csv-parse; quoted rows go to csv-parse.
 */
export function fieldsOf(record: TextLine, delimiter: string): { fields: string[] } | { issue: ValidationIssue } {
  const { line, text } = record;
  if (!text.includes('"')) return { fields: text.split(delimiter) };
  try {
    const rows = parse(text, { delimiter, relax_quotes: true, relax_column_count: true, record_delimiter: '\n', skip_empty_lines: false }) as string[][];
    if (rows.length === 1) return { fields: rows[0]! };
    return { issue: { line, path: '', code: 'invalid-csv', message: `must be one row, got ${rows.length}; check the quotes of this row` } };
  } catch (error) {
    const reason = (error as Error).message.replace(/ at line \d+/g, '');
    return { issue: { line, path: '', code: 'invalid-csv', message: `must be a well-formed row: ${reason}` } };
  }
}

/**
 * Reads CSV or TSV records from numbered lines: the first row is the header, each later row a record
 * numbered by the line it starts on. Without a usable header it reports why, once, and stops.
 */
export async function* readTable(lines: AsyncIterable<PhysicalLine[]>, options: ReaderOptions, delimiter: string): AsyncGenerator<ReadOutcome> {
  let columns: TableColumns | undefined;
  for await (const record of assembleRecords(lines, delimiter, options.maxLineBytes)) {
    const split = 'issue' in record ? record : fieldsOf(record, delimiter);
    if ('issue' in split) {
      yield { line: record.line, issues: [split.issue] };
      if (columns === undefined) return;
      continue;
    }
    if (columns === undefined) {
      const resolved = resolveColumns(split.fields, record.line, options.columns);
      if ('code' in resolved) {
        yield { line: record.line, issues: [resolved] };
        return;
      }
      columns = resolved;
    } else if (!split.fields.every(isBlank)) {
      yield parseTableRow(split.fields, columns, record.line, options);
    }
  }
}
