import { extname } from 'node:path';
import { InputError } from '../../core/index.js';
import { isJsonObject } from './json-line.js';
import { datasetFormats, type DatasetFormat } from './record-reader.js';

const formatsByExtension: Readonly<Record<string, DatasetFormat>> = { '.csv': 'csv', '.tsv': 'tsv', '.tab': 'tsv' };

/** What each JSONL format's lines must have, in the order they are tried. */
const formatsByKeys: ReadonlyArray<{ format: DatasetFormat; keys: readonly string[] }> = [
  { format: 'openai-chat', keys: ['messages'] },
  { format: 'alpaca', keys: ['instruction', 'output'] },
  { format: 'prompt-completion', keys: ['prompt', 'completion'] },
];

function firstObject(lines: readonly string[]): Record<string, unknown> | undefined {
  for (const [index, line] of lines.entries()) {
    const text = index === 0 && line.charCodeAt(0) === 0xfeff ? line.slice(1) : line;
    if (text.trim() === '') continue;
    try {
      const value: unknown = JSON.parse(text);
      if (isJsonObject(value)) return value;
    } catch {
      // Not JSON: try the next line.
    }
  }
  return undefined;
}

/** The format a file name's extension implies (.csv, .tsv, .tab), if any. */
export function formatOfFileName(fileName: string | undefined): DatasetFormat | undefined {
  return fileName === undefined ? undefined : formatsByExtension[extname(fileName).toLowerCase()];
}

/**
 * Tells a dataset's format from its file extension (.csv, .tsv) or else from the keys of the first
 * line that parses as a JSON object; throws an InputError with code `format-unknown` when it cannot.
 * @example detectFormat(['{"prompt": "2+2?", "completion": "4"}']) // 'prompt-completion'
 */
export function detectFormat(firstLines: readonly string[], fileName?: string): DatasetFormat {
  const byExtension = formatOfFileName(fileName);
  if (byExtension !== undefined) return byExtension;
  const subject = fileName === undefined ? 'the dataset' : `dataset ${fileName}`;
  const fix = `pass the format explicitly (one of ${datasetFormats.join('|')})`;
  const value = firstObject(firstLines);
  if (value === undefined) {
    throw new InputError(`cannot tell the format of ${subject}: none of its first ${firstLines.length} lines is a JSON object, and its name does not end in .csv or .tsv; ${fix}`, {
      code: 'format-unknown',
    });
  }
  const match = formatsByKeys.find(({ keys }) => keys.every((key) => Object.hasOwn(value, key)));
  if (match !== undefined) return match.format;
  const expected = formatsByKeys.map(({ format, keys }) => `${format} needs ${keys.map((key) => `"${key}"`).join(' and ')}`).join(', ');
  const found = Object.keys(value).slice(0, 10).map((key) => JSON.stringify(key)).join(', ');
  throw new InputError(`cannot tell the format of ${subject}: its first JSON object has the keys ${found === '' ? '(none)' : found}, but ${expected}; ${fix}`, {
    code: 'format-unknown',
  });
}
