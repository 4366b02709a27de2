// The second pass of a curation: assigns splits, indexes what training data must not share n-grams
// with, and routes the kept records from the scratch file into one file per split.
import { join } from 'node:path';
import type { Buffer } from 'node:buffer';
import type { CanonicalRecord } from './canonical-record.js';
import type { CurationConfig } from './curation-config.js';
import { LengthStats } from './curation/length-stats.js';
import type { NgramIndex } from './curation/ngram-index.js';
import { comparedText } from './curation/record-preparer.js';
import { ScratchReader, ScratchWriter } from './curation/scratch-files.js';
import { splitNames, type SplitAssigner, type SplitName } from './curation/split-assigner.js';
import { tokensForCharacters } from './curation/token-estimate.js';
import type { KeptRecords } from './kept-records.js';

/** What the second pass reads: the first pass's scratch files and what it kept in memory. */
export interface RouteInput {
  config: CurationConfig;
  folder: string;
  keptPath: string;
  probesPath: string;
  records: KeptRecords;
  splitter: SplitAssigner;
  /** Kept records whose text the report shows as near-duplicate examples. */
  samples: ReadonlySet<number>;
  /** The n-grams of the benchmarks, if any; the test split's are added to it. */
  contamination: NgramIndex;
  onProgress?(update: { phase: string; records: number; fraction: number }): void;
}

/** What the second pass gives: each split's file, stats and labels, and how many records decontamination dropped. */
export interface RoutedSplits {
  outputs: Record<SplitName, { path: string; sha256: string; bytes: number; stats: LengthStats; labels: Record<string, number> }>;
  decontaminated: number;
  examples: Map<number, string>;
  timings: { split: number; decontaminate: number };
}

const testCode = splitNames.indexOf('test');
/** Probes read from the scratch file at once: 4 MB, the reader's buffer. */
const probeChunkFloats = 1 << 19;

/** The compared text of the kept record whose JSON line is `bytes` bytes at `at` in `buffer`. */
function comparedTextAt(buffer: Buffer, at: number, bytes: number): string {
  return comparedText(JSON.parse(buffer.toString('utf8', at, at + bytes)) as CanonicalRecord);
}

/**
 * The run of records being gathered for one split: bytes `[start, end)` of the reader's buffer, kept
 * records next to each other in the scratch file, copied to the split's file with one write.
 */
class RunCopier {
  private code = 0;
  private start = 0;
  end = 0;

  constructor(
    private readonly lines: ScratchReader,
    private readonly writers: readonly ScratchWriter[],
  ) {}

  /** Whether a record of split `code` at `at` in the buffer continues the run. */
  extends(code: number, at: number): boolean {
    return code === this.code && at === this.end;
  }

  /** Writes the run and starts a new one for split `code` at `at`. */
  async restart(code: number, at: number): Promise<void> {
    await this.flush();
    this.code = code;
    this.start = at;
    this.end = at;
  }

  /** Writes the run and starts the next one after a record left out, which ends at `end`. */
  async skip(end: number): Promise<void> {
    await this.flush();
    this.start = end;
    this.end = end;
  }

  /**
   * Writes the run so far, before the reader's buffer moves or at the end. The split files are written
   * on libuv's threads while routing goes on; this waits only when one falls behind.
   */
  async flush(): Promise<void> {
    if (this.end === this.start) return;
    const writer = this.writers[this.code]!;
    writer.write(this.lines.buffer.subarray(this.start, this.end));
    this.start = this.end;
    if (writer.backlogged) await writer.drain();
  }
}

/** The split of every kept record, as an index into `splitNames`. */
function assignSplits(input: RouteInput): Uint8Array {
  const { records, splitter, config } = input;
  const codes = new Uint8Array(records.count);
  for (let index = 0; index < records.count; index += 1) {
    const split = splitter.assign(config.split.stratify ? (records.label(index) ?? '') : '', records.promptHashes[index]!);
    codes[index] = splitNames.indexOf(split);
  }
  return codes;
}

/** Adds the n-grams of the test split's records to `contamination`. */
function indexTestSplit(input: RouteInput, codes: Uint8Array): void {
  const { records, contamination } = input;
  const lines = new ScratchReader(input.keptPath);
  try {
    for (let index = 0; index < records.count; index += 1) {
      const bytes = records.lineBytes[index]!;
      const at = lines.take(bytes);
      if (codes[index] === testCode) contamination.add(comparedTextAt(lines.buffer, at, bytes));
    }
  } finally {
    lines.close();
  }
}

/**
 * Pass 2: assigns splits (stratified quantiles of the prompt hashes need every record first),
 * indexes the test split's n-grams, then routes kept records into split files, dropping training
 * and validation records that share an n-gram with the test split or a benchmark. Records are read
 * back by their known sizes, and a run of neighbours bound for the same split is copied at once.
 */
export async function routeSplits(input: RouteInput): Promise<RoutedSplits> {
  const { config, records, contamination, samples } = input;
  const decontaminate = config.decontamination.enabled;
  let started = performance.now();
  const codes = assignSplits(input);
  if (decontaminate) indexTestSplit(input, codes);
  const split = performance.now() - started;
  input.onProgress?.({ phase: 'split', records: records.count, fraction: 1 });

  started = performance.now();
  const writers = splitNames.map((name) => new ScratchWriter(join(input.folder, `${name}.jsonl`), { sha256: true }));
  const stats = splitNames.map(() => new LengthStats());
  const labels = splitNames.map(() => ({}) as Record<string, number>);
  const examples = new Map<number, string>();
  const lines = new ScratchReader(input.keptPath);
  const probes = decontaminate ? new ScratchReader(input.probesPath) : undefined;
  const run = new RunCopier(lines, writers);
  let decontaminated = 0;
  let completed = false;
  try {
    for (let chunkStart = 0, chunkEnd = 0; chunkStart < records.count; chunkStart = chunkEnd) {
      // Records until their probes fill the reader's buffer, so that a chunk of long texts stays as small.
      let total = 0;
      for (chunkEnd = chunkStart; chunkEnd < records.count; chunkEnd += 1) {
        const count = records.probeCounts[chunkEnd]!;
        if (chunkEnd > chunkStart && total + count > probeChunkFloats) break;
        total += count;
      }
      const chunkProbes = probes?.floats(total);
      let probeStart = 0;
      for (let index = chunkStart; index < chunkEnd; index += 1) {
        const probeEnd = probeStart + records.probeCounts[index]!;
        const probesFrom = probeStart;
        probeStart = probeEnd;
        const bytes = records.lineBytes[index]!;
        // A take that has to read moves the buffer's content, so the run is written first.
        if (lines.buffered < bytes) await run.flush();
        const at = lines.take(bytes);
        if (samples.has(index)) examples.set(index, comparedTextAt(lines.buffer, at, bytes).slice(0, 300));
        const code = codes[index]!;
        // The probes rule out nearly every record; the few that may overlap are checked n-gram by n-gram.
        if (code !== testCode && chunkProbes !== undefined && contamination.mayOverlap(chunkProbes, probesFrom, probeEnd) && contamination.overlaps(comparedTextAt(lines.buffer, at, bytes))) {
          decontaminated += 1;
          await run.skip(at + bytes);
          continue;
        }
        if (!run.extends(code, at)) await run.restart(code, at);
        run.end = at + bytes;
        stats[code]!.add(tokensForCharacters(records.characters[index]!));
        const label = records.label(index);
        if (label !== undefined) labels[code]![label] = (labels[code]![label] ?? 0) + 1;
      }
    }
    await run.flush();
    completed = true;
  } finally {
    lines.close();
    probes?.close();
    if (!completed) await Promise.all(writers.map((writer) => writer.abandon()));
  }
  const outputs = {} as RoutedSplits['outputs'];
  for (const [code, name] of splitNames.entries()) {
    const { bytes, sha256 } = await writers[code]!.close();
    outputs[name] = { path: join(input.folder, `${name}.jsonl`), sha256: sha256!, bytes, stats: stats[code]!, labels: labels[code]! };
  }
  input.onProgress?.({ phase: 'decontaminate', records: records.count, fraction: 1 });
  return { outputs, decontaminated, examples, timings: { split, decontaminate: performance.now() - started } };
}
