import type { ValidationIssue } from '../core/index.js';
import type { CanonicalRecord } from './canonical-record.js';
import type { CurationConfig } from './curation-config.js';
import { NearDuplicateIndex } from './curation/minhash-lsh.js';
import { normalizeText } from './curation/normalize-text.js';
import { findPii, scrubPii } from './curation/pii-scrubber.js';
import { qualityProblem } from './curation/quality-filter.js';
import { HashSet53 } from './curation/hash-set.js';
import { CollapsedHasher } from './curation/text-hash.js';

/** Time spent in each step, in milliseconds, for the benchmark and the report. */
export type StepTimings = Record<'normalize' | 'pii' | 'quality' | 'exactDedupe' | 'nearDedupe', number>;

/** What happened to one record in the first pass: kept (with its prompt hash and split group), or why not. */
export type CurateOutcome =
  | { kept: true; record: CanonicalRecord; promptHash: number; group: string }
  | { kept: false; reason: 'filtered' | 'pii' | 'exact-duplicate' | 'near-duplicate'; detail?: string; duplicateOf?: number };

const maxIssuesKept = 20;

/** The hash of a record's prompt (every message but the assistant's, whitespace collapsed): what splits are assigned by. */
export function promptHash(record: CanonicalRecord): number {
  const hasher = new CollapsedHasher();
  for (const message of record.messages) if (message.role !== 'assistant') hasher.text(message.content).separator(1);
  return hasher.digest();
}

/** The exact-dedupe key of a record: label, roles and whitespace-collapsed contents. */
function exactKey(record: CanonicalRecord): number {
  const hasher = new CollapsedHasher().text(record.label ?? '').separator(0);
  for (const message of record.messages) hasher.text(message.role).separator(1).text(message.content).separator(2);
  return hasher.digest();
}

/**
 * The per-record steps of curation, in order: normalise, scrub or drop PII, quality filters,
 * exact dedupe, near-duplicate removal. Keeps the counts each step reports; the dedupe indexes
 * are the only state that grows with the input.
 */
export class RecordCurator {
  readonly counts = { input: 0, invalid: 0, filtered: 0, piiDropped: 0, exactDuplicates: 0, nearDuplicates: 0, kept: 0 };
  readonly filteredBy: Record<string, number> = {};
  readonly pii: Record<string, number> = {};
  readonly issuesByCode: Record<string, number> = {};
  readonly issues: ValidationIssue[] = [];
  readonly timings: StepTimings = { normalize: 0, pii: 0, quality: 0, exactDedupe: 0, nearDedupe: 0 };
  /** Near-duplicate pairs (kept index → duplicate texts) for the report's examples. */
  readonly nearDuplicateSamples = new Map<number, string[]>();
  private readonly exactKeys = new HashSet53();
  private readonly nearIndex: NearDuplicateIndex | undefined;

  constructor(private readonly config: CurationConfig) {
    const near = config.dedupe.near;
    this.nearIndex = near.enabled ? new NearDuplicateIndex({ shingleSize: near.shingleSize, bands: near.bands, rows: near.rows, threshold: near.threshold }) : undefined;
  }

  /** Counts a rejected input record. */
  reject(issues: readonly ValidationIssue[]): void {
    this.counts.input += 1;
    this.counts.invalid += 1;
    const first = issues[0];
    if (first === undefined) return;
    this.issuesByCode[first.code] = (this.issuesByCode[first.code] ?? 0) + 1;
    if (this.issues.length < maxIssuesKept) this.issues.push(first);
  }

  /** Runs the steps on one valid record. */
  curate(input: CanonicalRecord): CurateOutcome {
    this.counts.input += 1;
    const { config, timings } = this;
    let started = performance.now();
    let record: CanonicalRecord = { ...input, messages: input.messages.map((message) => ({ role: message.role, content: normalizeText(message.content, config.normalize) })) };
    let now = performance.now();
    timings.normalize += now - started;
    started = now;

    if (config.pii.mode !== 'off') {
      const found: Record<string, number> = {};
      const messages = record.messages.map((message) => {
        const scrubbed = config.pii.mode === 'replace' ? scrubPii(message.content) : { text: message.content, counts: findPii(message.content) };
        for (const [type, count] of Object.entries(scrubbed.counts)) if (count) found[type] = (found[type] ?? 0) + count;
        return { role: message.role, content: scrubbed.text };
      });
      for (const [type, count] of Object.entries(found)) this.pii[type] = (this.pii[type] ?? 0) + count;
      now = performance.now();
      timings.pii += now - started;
      started = now;
      if (config.pii.mode === 'drop' && Object.keys(found).length > 0) {
        this.counts.piiDropped += 1;
        return { kept: false, reason: 'pii', detail: Object.keys(found).join(',') };
      }
      record = { ...record, messages };
    }

    const problem = qualityProblem(record, config.quality);
    now = performance.now();
    timings.quality += now - started;
    started = now;
    if (problem !== undefined) {
      this.counts.filtered += 1;
      this.filteredBy[problem] = (this.filteredBy[problem] ?? 0) + 1;
      return { kept: false, reason: 'filtered', detail: problem };
    }

    if (config.dedupe.exact) {
      const key = exactKey(record);
      const seen = !this.exactKeys.add(key);
      now = performance.now();
      timings.exactDedupe += now - started;
      started = now;
      if (seen) {
        this.counts.exactDuplicates += 1;
        return { kept: false, reason: 'exact-duplicate' };
      }
    }

    if (this.nearIndex !== undefined) {
      // System prompts are shared on purpose; comparing them would make every record look alike.
      const text = record.messages
        .filter((message) => message.role !== 'system')
        .map((message) => message.content)
        .join('\n');
      const match = this.nearIndex.add(this.counts.kept, text);
      timings.nearDedupe += performance.now() - started;
      if (match !== undefined) {
        this.counts.nearDuplicates += 1;
        const samples = this.nearDuplicateSamples.get(match.duplicateOf);
        if (samples === undefined && this.nearDuplicateSamples.size < 5) this.nearDuplicateSamples.set(match.duplicateOf, [text.slice(0, 300)]);
        else if (samples !== undefined && samples.length < 3) samples.push(text.slice(0, 300));
        return { kept: false, reason: 'near-duplicate', duplicateOf: match.duplicateOf };
      }
    }

    this.counts.kept += 1;
    const group = config.split.stratify ? (record.label ?? '') : '';
    return { kept: true, record, promptHash: promptHash(record), group };
  }
}
