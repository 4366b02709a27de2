// The per-record half of curation for one batch of input, in typed arrays: made in a curation worker
// (or inline), handed to the main thread without copying, and admitted there by the dedupe indexes.
import { Buffer } from 'node:buffer';
import type { ValidationIssue } from '../../core/index.js';

/** The per-record steps that are timed: what the benchmark and the report break the time into. */
export type PrepareStep = 'parse' | 'normalize' | 'pii' | 'quality' | 'hashing';

/** Rejected records a batch lists the first issue of; the report shows at most this many in all. */
export const maxIssuesListed = 20;

/**
 * One batch after the per-record steps. Records that passed them (the candidates) are listed in
 * input order by index; everything about candidate `i` sits at `i` (or `i * signatureLength`) of
 * each array, its JSON line at `lines[lineEnds[i - 1] .. lineEnds[i]]` and its decontamination
 * probes at `probes[probeEnds[i - 1] .. probeEnds[i]]`.
 */
export interface PreparedBatch {
  /** Records read, valid or not (blank lines are not records). */
  input: number;
  /** Bytes of input the batch was read from, when known (0 otherwise). */
  inputBytes: number;
  invalid: number;
  /** The first issue of the first rejected records, at most `maxIssuesListed`. */
  issues: ValidationIssue[];
  issuesByCode: Record<string, number>;
  filtered: number;
  filteredBy: Record<string, number>;
  piiDropped: number;
  /** PII found, by type, in every valid record (dropped ones too). */
  pii: Record<string, number>;
  /** Milliseconds spent per step (CPU time of whichever thread prepared the batch). */
  timings: Record<PrepareStep, number>;
  count: number;
  /** The exact-dedupe key of each candidate. */
  exactKeys: Float64Array;
  /** The hash of each candidate's prompt, which decides its split. */
  promptHashes: Float64Array;
  /** Characters of content, the basis of the token statistics. */
  characters: Float64Array;
  /** Each candidate's label as an index into `labels`, or -1 without one. */
  labelIds: Int32Array;
  labels: string[];
  /** MinHash signatures, `signatureLength` per candidate; empty when near-duplicate removal is off. */
  signatures: Int32Array;
  signatureLength: number;
  /** The canonical records as UTF-8 JSON lines, each ending with a line feed. */
  lines: Uint8Array;
  lineEnds: Uint32Array;
  /** The decontamination probes of each candidate (see `NgramIndex`); empty when decontamination is off. */
  probes: Float64Array;
  probeEnds: Uint32Array;
}

/** The ArrayBuffers of a batch, for `postMessage`'s transfer list. */
export function transferablesOf(batch: PreparedBatch): ArrayBuffer[] {
  const arrays = [batch.exactKeys, batch.promptHashes, batch.characters, batch.labelIds, batch.signatures, batch.lines, batch.lineEnds, batch.probes, batch.probeEnds];
  return [...new Set(arrays.map((array) => array.buffer as ArrayBuffer))];
}

/** The JSON line of candidate `index` of a batch, without its line feed. */
export function lineOf(batch: PreparedBatch, index: number): string {
  const start = index === 0 ? 0 : batch.lineEnds[index - 1]!;
  return Buffer.from(batch.lines.buffer, batch.lines.byteOffset + start, batch.lineEnds[index]! - start - 1).toString('utf8');
}

/** Bytes of JSON line per record, roughly, to size a batch's line buffer before it is filled. */
const bytesPerLineGuess = 640;

class GrowingFloat64 {
  values: Float64Array;
  length = 0;
  constructor(capacity: number) {
    this.values = new Float64Array(Math.max(16, capacity));
  }
  reserve(extra: number): void {
    if (this.length + extra <= this.values.length) return;
    const grown = new Float64Array(Math.max(this.values.length * 2, this.length + extra));
    grown.set(this.values.subarray(0, this.length));
    this.values = grown;
  }
  push(value: number): void {
    this.reserve(1);
    this.values[this.length] = value;
    this.length += 1;
  }
  append(values: ArrayLike<number>): void {
    this.reserve(values.length);
    this.values.set(values, this.length);
    this.length += values.length;
  }
  /** An exact-size copy that owns its ArrayBuffer, so it can be transferred. */
  take(): Float64Array {
    return this.values.slice(0, this.length);
  }
}

/**
 * Collects one batch. Typed arrays start at a guess from the expected record count and grow by
 * doubling; `finish` hands out arrays that each have an ArrayBuffer of their own, exact-size but for
 * the encoded lines, which are handed out in the buffer they were written into.
 */
export class PreparedBatchBuilder {
  private readonly batch: Omit<PreparedBatch, 'count' | 'exactKeys' | 'promptHashes' | 'characters' | 'labelIds' | 'signatures' | 'lines' | 'lineEnds' | 'probes' | 'probeEnds'>;
  private readonly exactKeys: GrowingFloat64;
  private readonly promptHashes: GrowingFloat64;
  private readonly characters: GrowingFloat64;
  private readonly labelIds: GrowingFloat64;
  private readonly probes: GrowingFloat64;
  private readonly probeEnds: GrowingFloat64;
  private signatures: Int32Array;
  private readonly labelIndex = new Map<string, number>();
  /**
   * The JSON lines so far, encoded as they come: strings kept until the batch ends would survive the
   * worker's young-generation collections, each of which would copy them.
   */
  private lines: Buffer;
  private lineBytes = 0;
  private readonly lineEnds: GrowingFloat64;
  private count = 0;

  constructor(
    readonly signatureLength: number,
    expectedRecords = 256,
  ) {
    this.batch = { input: 0, inputBytes: 0, invalid: 0, issues: [], issuesByCode: {}, filtered: 0, filteredBy: {}, piiDropped: 0, pii: {}, timings: { parse: 0, normalize: 0, pii: 0, quality: 0, hashing: 0 }, labels: [], signatureLength };
    this.exactKeys = new GrowingFloat64(expectedRecords);
    this.promptHashes = new GrowingFloat64(expectedRecords);
    this.characters = new GrowingFloat64(expectedRecords);
    this.labelIds = new GrowingFloat64(expectedRecords);
    this.probes = new GrowingFloat64(expectedRecords * 24);
    this.probeEnds = new GrowingFloat64(expectedRecords);
    this.signatures = new Int32Array(Math.max(16, expectedRecords) * signatureLength);
    this.lines = Buffer.allocUnsafeSlow(Math.max(1024, expectedRecords * bytesPerLineGuess));
    this.lineEnds = new GrowingFloat64(expectedRecords);
  }

  /** Notes how many bytes of input the batch was read from. */
  readFrom(bytes: number): void {
    this.batch.inputBytes = bytes;
  }

  /** Counts one valid record read (it may still be filtered, dropped or become a candidate). */
  countInput(): void {
    this.batch.input += 1;
  }

  /** Counts a record that failed a quality filter. */
  filter(reason: string): void {
    this.batch.filtered += 1;
    this.batch.filteredBy[reason] = (this.batch.filteredBy[reason] ?? 0) + 1;
  }

  /** Counts a record dropped for holding PII (`pii.mode: drop`). */
  dropForPii(): void {
    this.batch.piiDropped += 1;
  }

  /** Adds PII found in one record, by type. */
  countPii(found: Record<string, number>): void {
    for (const type in found) this.batch.pii[type] = (this.batch.pii[type] ?? 0) + found[type]!;
  }

  /** Adds time spent in a step. */
  time(step: PrepareStep, milliseconds: number): void {
    this.batch.timings[step] += milliseconds;
  }

  /** Counts a rejected record, keeping its first issue while the batch lists fewer than `maxIssuesListed`. */
  reject(issues: readonly ValidationIssue[]): void {
    const batch = this.batch;
    batch.input += 1;
    batch.invalid += 1;
    const first = issues[0];
    if (first === undefined) return;
    batch.issuesByCode[first.code] = (batch.issuesByCode[first.code] ?? 0) + 1;
    if (batch.issues.length < maxIssuesListed) batch.issues.push(first);
  }

  /** Adds a record that passed the per-record steps. */
  addCandidate(candidate: {
    exactKey: number;
    promptHash: number;
    characters: number;
    label: string | undefined;
    line: string;
    /** Writes the signature into its place. */
    signature?: (out: Int32Array) => void;
    probes?: Float64Array;
  }): void {
    const index = this.count;
    this.exactKeys.push(candidate.exactKey);
    this.promptHashes.push(candidate.promptHash);
    this.characters.push(candidate.characters);
    this.labelIds.push(candidate.label === undefined ? -1 : this.labelId(candidate.label));
    this.addLine(candidate.line);
    if (candidate.probes !== undefined) this.probes.append(candidate.probes);
    this.probeEnds.push(this.probes.length);
    if (this.signatureLength > 0 && candidate.signature !== undefined) {
      if ((index + 1) * this.signatureLength > this.signatures.length) {
        const grown = new Int32Array(this.signatures.length * 2);
        grown.set(this.signatures);
        this.signatures = grown;
      }
      candidate.signature(this.signatures.subarray(index * this.signatureLength, (index + 1) * this.signatureLength));
    }
    this.count += 1;
  }

  /** Encodes a JSON line and its line feed onto the end of `lines`, growing it when the line may not fit. */
  private addLine(line: string): void {
    // A UTF-16 code unit takes at most 3 bytes of UTF-8; only when that much may not fit is the exact size counted.
    if (this.lineBytes + line.length * 3 + 1 > this.lines.length) {
      const needed = this.lineBytes + Buffer.byteLength(line, 'utf8') + 1;
      if (needed > this.lines.length) {
        const grown = Buffer.allocUnsafeSlow(Math.max(needed, this.lines.length * 2));
        this.lines.copy(grown, 0, 0, this.lineBytes);
        this.lines = grown;
      }
    }
    this.lineBytes += this.lines.write(line, this.lineBytes, 'utf8');
    this.lines[this.lineBytes] = 0x0a;
    this.lineBytes += 1;
    this.lineEnds.push(this.lineBytes);
  }

  private labelId(label: string): number {
    let id = this.labelIndex.get(label);
    if (id === undefined) {
      id = this.batch.labels.length;
      this.labelIndex.set(label, id);
      this.batch.labels.push(label);
    }
    return id;
  }

  /** The batch; the builder must not be used afterwards. */
  finish(): PreparedBatch {
    const { count } = this;
    return {
      ...this.batch,
      count,
      exactKeys: this.exactKeys.take(),
      promptHashes: this.promptHashes.take(),
      characters: this.characters.take(),
      labelIds: Int32Array.from(this.labelIds.values.subarray(0, count)),
      signatures: this.signatures.slice(0, count * this.signatureLength),
      // The encoded lines in their own ArrayBuffer, which the batch's transfer moves without copying.
      lines: new Uint8Array(this.lines.buffer, this.lines.byteOffset, this.lineBytes),
      lineEnds: Uint32Array.from(this.lineEnds.values.subarray(0, count)),
      probes: this.probes.take(),
      probeEnds: Uint32Array.from(this.probeEnds.values.subarray(0, count)),
    };
  }
}
