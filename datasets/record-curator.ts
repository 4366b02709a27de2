import type { ValidationIssue } from '../core/index.js';
import type { CanonicalRecord } from './canonical-record.js';
import type { CurationConfig } from './curation-config.js';
import { NearDuplicateIndex } from './curation/minhash-lsh.js';
import { HashSet53 } from './curation/hash-set.js';
import { lineOf, maxIssuesListed, type PrepareStep, type PreparedBatch } from './curation/prepared-batch.js';
import { comparedText } from './curation/record-preparer.js';
import { StepSampler } from './curation/step-sampler.js';

/** Time spent in each step, in milliseconds, for the benchmark: the per-record steps (summed over workers) and the dedupe. */
export type StepTimings = Record<PrepareStep | 'exactDedupe' | 'nearDedupe', number>;

/**
 * The order-dependent half of curation, on the main thread: admits prepared batches in input order
 * through exact dedupe and near-duplicate removal, and adds up what every step reported. The dedupe
 * indexes are the only state that grows with the input.
 */
export class RecordCurator {
  readonly counts = { input: 0, invalid: 0, filtered: 0, piiDropped: 0, exactDuplicates: 0, nearDuplicates: 0, kept: 0 };
  readonly filteredBy: Record<string, number> = {};
  readonly pii: Record<string, number> = {};
  readonly issuesByCode: Record<string, number> = {};
  readonly issues: ValidationIssue[] = [];
  readonly timings: StepTimings = { parse: 0, normalize: 0, pii: 0, quality: 0, hashing: 0, exactDedupe: 0, nearDedupe: 0 };
  /** Near-duplicate pairs (kept index → duplicate texts) for the report's examples. */
  readonly nearDuplicateSamples = new Map<number, string[]>();
  private exactKeys = new HashSet53();
  private nearIndex: NearDuplicateIndex | undefined;
  private released = false;
  /** Times the dedupe of a sample of the records. */
  private readonly clock = new StepSampler();

  constructor(private readonly config: CurationConfig) {
    const near = config.dedupe.near;
    this.nearIndex = near.enabled ? new NearDuplicateIndex({ shingleSize: near.shingleSize, bands: near.bands, rows: near.rows, threshold: near.threshold }) : undefined;
  }

  /** Sizes the dedupe indexes for about `records` candidates, an estimate, so that they do not rehash on the way. */
  reserve(records: number): void {
    if (this.config.dedupe.exact) this.exactKeys.reserve(records);
    this.nearIndex?.reserve(records);
  }

  /**
   * Admits one batch: adds its tallies, then runs each candidate through the dedupe indexes and
   * calls `keep` with the candidate's index in the batch and its index among all kept records.
   */
  admit(batch: PreparedBatch, keep: (index: number, keptIndex: number) => void): void {
    if (this.released) throw new Error('records were admitted after the dedupe indexes were released');
    this.tally(batch);
    const { counts, timings, nearIndex } = this;
    const exact = this.config.dedupe.exact;
    const length = batch.signatureLength;
    if (nearIndex !== undefined && batch.count > 0 && length !== nearIndex.signerOptions.length) {
      throw new Error(`a prepared batch has signatures of ${length} minhashes where the near-duplicate index takes ${nearIndex.signerOptions.length}; preparer and curator must share a config`);
    }
    const clock = this.clock;
    for (let index = 0; index < batch.count; index += 1) {
      clock.start();
      if (exact && !this.exactKeys.add(batch.exactKeys[index]!)) {
        counts.exactDuplicates += 1;
        timings.exactDedupe += clock.lap();
        continue;
      }
      timings.exactDedupe += clock.lap();
      if (nearIndex !== undefined && length > 0) {
        const match = nearIndex.addSignature(counts.kept, batch.signatures, index * length);
        timings.nearDedupe += clock.lap();
        if (match !== undefined) {
          counts.nearDuplicates += 1;
          this.sample(match.duplicateOf, batch, index);
          continue;
        }
      }
      keep(index, counts.kept);
      counts.kept += 1;
      timings.exactDedupe += clock.lap();
    }
  }

  /** Lets the dedupe indexes go once every record is admitted: hundreds of megabytes at a million records, which the second pass can use. */
  releaseIndexes(): void {
    this.exactKeys = new HashSet53();
    this.nearIndex = undefined;
    this.released = true;
  }

  private tally(batch: PreparedBatch): void {
    const { counts } = this;
    counts.input += batch.input;
    counts.invalid += batch.invalid;
    counts.filtered += batch.filtered;
    counts.piiDropped += batch.piiDropped;
    addCounts(this.filteredBy, batch.filteredBy);
    addCounts(this.pii, batch.pii);
    addCounts(this.issuesByCode, batch.issuesByCode);
    addCounts(this.timings, batch.timings);
    for (const issue of batch.issues) if (this.issues.length < maxIssuesListed) this.issues.push(issue);
  }

  /** Keeps a few near-duplicates' texts, by the kept record they duplicate, for the report. */
  private sample(duplicateOf: number, batch: PreparedBatch, index: number): void {
    const samples = this.nearDuplicateSamples.get(duplicateOf);
    if (samples === undefined ? this.nearDuplicateSamples.size >= 5 : samples.length >= 3) return;
    const text = comparedText(JSON.parse(lineOf(batch, index)) as CanonicalRecord).slice(0, 300);
    if (samples === undefined) this.nearDuplicateSamples.set(duplicateOf, [text]);
    else samples.push(text);
  }
}

function addCounts(into: Record<string, number>, counts: Record<string, number>): void {
  for (const key in counts) into[key] = (into[key] ?? 0) + counts[key]!;
}
