import { describeValue, type ValidationIssue } from '../../core/index.js';
import type { CanonicalMessage, CanonicalRecord } from '../canonical-record.js';
import { checkDecoding, checkLength, checkText, isBlank } from './record-checks.js';
import { defaultColumns, type ColumnMapping, type ReaderOptions, type ReadOutcome } from './record-reader.js';

/** Where each part of a record sits in a CSV/TSV row: a field index, or -1 for an optional column not in the header. */
export interface TableColumns {
  header: readonly string[];
  prompt: number;
  completion: number;
  system: number;
  label: number;
}

type Part = keyof typeof defaultColumns;

/**
 * Maps the header row to the columns a record is read from. Prompt and completion must be there;
 * system and label only when `mapping` names them. Names are compared with surrounding spaces trimmed.
 */
export function resolveColumns(header: readonly string[], line: number, mapping: ColumnMapping = {}): TableColumns | ValidationIssue {
  const names = header.map((name) => name.trim());
  const missing: string[] = [];
  const indexOf = (part: Part, required: boolean): number => {
    const name = mapping[part] ?? defaultColumns[part];
    const index = names.indexOf(name);
    if (index === -1 && required) missing.push(`"${name}" for the ${part} (columns.${part})`);
    return index;
  };
  const columns: TableColumns = {
    header: names,
    prompt: indexOf('prompt', true),
    completion: indexOf('completion', true),
    system: indexOf('system', mapping.system !== undefined),
    label: indexOf('label', mapping.label !== undefined),
  };
  if (missing.length === 0) return columns;
  const [noun, pronoun] = missing.length === 1 ? ['column', 'it'] : ['columns', 'them'];
  return {
    line,
    path: '',
    code: 'missing-column',
    message: `header must have the ${noun} ${missing.join(' and ')}, found ${describeValue(names)}; rename the ${noun} or map ${pronoun} with the option in brackets`,
  };
}

/** Unmapped columns are kept as metadata, so a row loses nothing. */
function metadataOf(fields: readonly string[], columns: TableColumns): Record<string, unknown> | undefined {
  const used = new Set([columns.prompt, columns.completion, columns.system, columns.label]);
  const entries = columns.header.flatMap((name, index) => (used.has(index) ? [] : [[name, fields[index]] as const]));
  // Object.fromEntries defines own properties, so a column named __proto__ stays a plain key.
  return entries.length === 0 ? undefined : Object.fromEntries(entries);
}

/**
 * Parses one CSV/TSV data row into a record: the prompt becomes the user message, the completion the
 * assistant reply, a non-blank system field a system message, a non-blank label the label.
 */
export function parseTableRow(fields: readonly string[], columns: TableColumns, line: number, options: ReaderOptions): ReadOutcome {
  const { header } = columns;
  if (fields.length !== header.length) {
    const message = `must have ${header.length} fields like the header, got ${fields.length}; quote fields that contain the delimiter, a quote or a line break`;
    return { line, issues: [{ line, path: '', code: 'invalid-csv', message }] };
  }
  const issues: ValidationIssue[] = [];
  const prompt = fields[columns.prompt]!;
  const completion = fields[columns.completion]!;
  const system = columns.system === -1 || isBlank(fields[columns.system]!) ? undefined : fields[columns.system]!;
  const label = columns.label === -1 || isBlank(fields[columns.label]!) ? undefined : fields[columns.label]!;

  const messages: CanonicalMessage[] = [];
  if (system !== undefined) {
    checkText(issues, line, header[columns.system]!, system);
    messages.push({ role: 'system', content: system });
  }
  checkText(issues, line, header[columns.prompt]!, prompt);
  checkText(issues, line, header[columns.completion]!, completion);
  messages.push({ role: 'user', content: prompt }, { role: 'assistant', content: completion });
  const record: CanonicalRecord = { schemaVersion: 1, messages };
  if (label !== undefined) {
    checkText(issues, line, header[columns.label]!, label);
    record.label = label;
  }
  const metadata = metadataOf(fields, columns);
  if (metadata !== undefined) record.metadata = metadata;
  checkLength(issues, line, '', messages.reduce((sum, message) => sum + message.content.length, 0), options.maxCharacters);
  fields.forEach((field, index) => checkDecoding(issues, line, field, header[index]));
  return issues.length === 0 ? { line, record } : { line, issues };
}
