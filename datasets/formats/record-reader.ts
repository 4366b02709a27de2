import type { ValidationIssue } from '../../core/index.js';
import type { CanonicalRecord } from '../canonical-record.js';

/** What reading one record gives: the canonical record, or the issues that reject it, with its 1-based line. */
export type ReadOutcome = { line: number; record: CanonicalRecord } | { line: number; issues: ValidationIssue[] };

/** The input formats a dataset may come in; each is normalised to a canonical record. */
export const datasetFormats = ['openai-chat', 'alpaca', 'prompt-completion', 'csv', 'tsv'] as const;

/** One of the input formats of `datasetFormats`. */
export type DatasetFormat = (typeof datasetFormats)[number];

/** Which CSV/TSV header column holds each part of a record. */
export interface ColumnMapping {
  prompt?: string;
  completion?: string;
  system?: string;
  label?: string;
}

/** Limits every reader enforces, and the CSV/TSV column mapping (defaults: prompt, completion, system, label). */
export interface ReaderOptions {
  /** Longest line, in UTF-8 bytes without its line break; longer lines are rejected unparsed. */
  maxLineBytes: number;
  /** Most characters of message content a record may hold: a budget until a tokenizer exists. */
  maxCharacters: number;
  columns?: ColumnMapping;
}

/** Limits for callers without an opinion: 1 MB lines and 100,000 characters of content. */
export const defaultReaderOptions: ReaderOptions = { maxLineBytes: 1_000_000, maxCharacters: 100_000 };

/** The header column each part of a CSV/TSV record is read from unless `columns` says otherwise. */
export const defaultColumns = { prompt: 'prompt', completion: 'completion', system: 'system', label: 'label' } as const satisfies Required<ColumnMapping>;

/** Parses one line of a JSONL format into a record or issues; pure, and never throws. */
export type LineParser = (text: string, line: number, options: ReaderOptions) => ReadOutcome;
