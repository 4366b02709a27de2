import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { InputError, canonicalJson, putFileBlob, sha256Hex, type ArtifactStore } from '../core/index.js';
import type { CanonicalRecord } from './canonical-record.js';
import type { CurationConfig } from './curation-config.js';
import { LengthStats } from './curation/length-stats.js';
import { NgramIndex } from './curation/ngram-index.js';
import type { PreparedBatch } from './curation/prepared-batch.js';
import { comparedText, RecordPreparer } from './curation/record-preparer.js';
import { ScratchReader, ScratchWriter } from './curation/scratch-files.js';
import { SplitAssigner, splitNames, type SplitName } from './curation/split-assigner.js';
import { tokenEstimateMethod, tokensForCharacters } from './curation/token-estimate.js';
import { CurationWorkers, defaultWorkerCount } from './curation-workers.js';
import { lineBlocks, readRecords, resolveFormat, type DatasetFormat, type ReaderOptions } from './formats/index.js';
import { renderDatasetCard } from './dataset-card.js';
import { manifestKeyOf, type DatasetManifest } from './dataset-manifest.js';
import { prepareBlock, type BlockSettings } from './prepare-block.js';
import { RecordCurator, type StepTimings } from './record-curator.js';

/** A readable input: a name (for format detection and reports) and a way to open it. */
export interface DatasetInput {
  uri: string;
  open(): Promise<Readable>;
  /** Size in bytes when known, for progress. */
  bytes?: number;
}

/** What `curateDataset` needs: the source, the settings, where to write, and how to report. */
export interface CurateDatasetOptions {
  name: string;
  source: DatasetInput;
  config: CurationConfig;
  benchmarks?: DatasetInput[];
  store: ArtifactStore;
  signal?: AbortSignal;
  /**
   * Worker threads for the per-record steps: a number (0 runs them on the calling thread), or
   * `auto`: one per core for inputs over 4 MB (or of unknown size), none for smaller ones, where
   * starting threads costs more than it saves. The result is the same either way.
   */
  workers?: number | 'auto';
  /** Input bytes per block handed to a worker: 1 MB by default; smaller blocks only cost more messages. */
  blockBytes?: number;
  onProgress?(update: { phase: string; records: number; fraction: number }): void;
}

/** The outcome of a curation: the manifest as stored, and where. */
export interface CurationOutcome {
  manifest: DatasetManifest;
  manifestKey: string;
  /** False when the same version was already in the store. */
  created: boolean;
  /** Milliseconds per step; the per-record steps are summed over workers, so they can add up to more than the wall time. */
  timings: StepTimings & { read: number; split: number; decontaminate: number; write: number };
  /** Worker threads the per-record steps ran on (0: the calling thread). */
  workers: number;
}

/** Input bytes per block handed to a worker, unless the options say otherwise. */
const defaultBlockBytes = 1 << 20;
/** Below this input size, `workers: auto` prepares records on the calling thread. */
const inlineBelowBytes = 4 << 20;
/** The fewest bytes a record takes (`{"messages":[]}` and a line feed), which bounds the record count an input can hold. */
const minimumRecordBytes = 16;
/** Records read between progress reports. */
const progressEvery = 10_000;
/** Records per batch when CSV/TSV rows are prepared on the calling thread. */
const tableBatchRecords = 512;

function exceedsMaxInvalid(invalid: number, input: number, limit: CurationConfig['maxInvalid']): boolean {
  if (typeof limit === 'number') return invalid > limit;
  return input > 0 && (invalid / input) * 100 > Number.parseFloat(limit);
}

/** Passes a stream through while hashing it; an error of the source ends the hashed stream too, so readers see it. */
function hashing(source: Readable): { transform: Transform; bytesSoFar(): number; digest(): { sha256: string; bytes: number } } {
  const hash = createHash('sha256');
  let bytes = 0;
  const transform = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      callback(null, chunk);
    },
  });
  source.on('error', (error) => transform.destroy(error));
  transform.on('close', () => source.destroy());
  source.pipe(transform);
  return { transform, bytesSoFar: () => bytes, digest: () => ({ sha256: hash.digest('hex'), bytes }) };
}

function workerCountFor(workers: CurateDatasetOptions['workers'], bytes: number | undefined): number {
  if (typeof workers === 'number') return Math.max(0, Math.floor(workers));
  return bytes !== undefined && bytes < inlineBelowBytes ? 0 : defaultWorkerCount();
}

/**
 * The batches of a JSONL input: blocks of lines prepared by `workers` threads (up to four blocks
 * each in flight) and yielded in input order, or prepared inline when `workers` is 0.
 */
async function* blockBatches(input: AsyncIterable<Buffer | string>, settings: BlockSettings, workers: number, blockBytes: number): AsyncGenerator<PreparedBatch> {
  const blocks = lineBlocks(input, { blockBytes, maxLineBytes: settings.reader.maxLineBytes });
  if (workers === 0) {
    const preparer = new RecordPreparer(settings.config);
    for await (const block of blocks) yield prepareBlock(block, settings, preparer);
    return;
  }
  const pool = new CurationWorkers(workers, settings);
  const inFlight: Array<Promise<PreparedBatch>> = [];
  try {
    for await (const block of blocks) {
      const batch = pool.prepare(block);
      // Awaited in order below; until then a failure must not count as unhandled.
      batch.catch(() => undefined);
      inFlight.push(batch);
      if (inFlight.length >= workers * 4) yield await inFlight.shift()!;
    }
    while (inFlight.length > 0) yield await inFlight.shift()!;
  } finally {
    await pool.close();
  }
}

/** The batches of a CSV/TSV input, whose quoted fields may span lines: read in order and prepared inline. */
async function* tableBatches(input: AsyncIterable<Buffer | string>, format: 'csv' | 'tsv', reader: ReaderOptions & { fileName: string }, config: CurationConfig): AsyncGenerator<PreparedBatch> {
  const preparer = new RecordPreparer(config);
  let batch = preparer.newBatch(tableBatchRecords);
  let records = 0;
  for await (const outcome of readRecords(input, { ...reader, format })) {
    if ('issues' in outcome) batch.reject(outcome.issues);
    else preparer.prepare(outcome.record, batch);
    records += 1;
    if (records % tableBatchRecords === 0) {
      yield batch.finish();
      batch = preparer.newBatch(tableBatchRecords);
    }
  }
  yield batch.finish();
}

/** What the first pass keeps of each kept record in memory: 8 + 4 + 4 bytes, the split key, label and length. */
class KeptRecords {
  promptHashes = new Float64Array(1024);
  labelIds = new Int32Array(1024);
  characters = new Uint32Array(1024);
  readonly labels: string[] = [];
  private readonly labelIndex = new Map<string, number>();
  count = 0;

  add(promptHash: number, label: string | undefined, characters: number): void {
    if (this.count === this.promptHashes.length) this.grow();
    this.promptHashes[this.count] = promptHash;
    this.labelIds[this.count] = label === undefined ? -1 : this.labelId(label);
    this.characters[this.count] = characters;
    this.count += 1;
  }

  label(index: number): string | undefined {
    const id = this.labelIds[index]!;
    return id === -1 ? undefined : this.labels[id];
  }

  private labelId(label: string): number {
    let id = this.labelIndex.get(label);
    if (id === undefined) {
      id = this.labels.length;
      this.labelIndex.set(label, id);
      this.labels.push(label);
    }
    return id;
  }

  private grow(): void {
    const size = this.count * 2;
    const promptHashes = new Float64Array(size);
    promptHashes.set(this.promptHashes);
    const labelIds = new Int32Array(size);
    labelIds.set(this.labelIds);
    const characters = new Uint32Array(size);
    characters.set(this.characters);
    Object.assign(this, { promptHashes, labelIds, characters });
  }
}

interface Scratch {
  folder: string;
  keptPath: string;
  probesPath: string;
}

/**
 * Pass 1: reads and validates the source and runs the per-record steps (in workers), then dedupes
 * in input order; kept records go to a scratch file as JSON lines, their decontamination probes to another.
 */
async function admitRecords(options: CurateDatasetOptions, scratch: Scratch, curator: RecordCurator, splitter: SplitAssigner) {
  const { config, signal } = options;
  const reader = { fileName: options.source.uri, maxLineBytes: config.maxLineBytes, maxCharacters: config.maxCharacters, columns: config.columns };
  const sourceHash = hashing(await options.source.open());
  let resolved: { format: DatasetFormat; input: AsyncIterable<Buffer | string> };
  try {
    resolved = await resolveFormat(sourceHash.transform, { format: config.format, fileName: options.source.uri, maxLineBytes: config.maxLineBytes });
  } catch (error) {
    sourceHash.transform.destroy();
    throw error;
  }
  const { format, input } = resolved;
  const table = format === 'csv' || format === 'tsv';
  const workers = table ? 0 : workerCountFor(options.workers, options.source.bytes);
  const batches = table ? tableBatches(input, format, reader, config) : blockBatches(input, { format, reader, config }, workers, options.blockBytes ?? defaultBlockBytes);
  const kept = new ScratchWriter(scratch.keptPath);
  const probes = config.decontamination.enabled ? new ScratchWriter(scratch.probesPath) : undefined;
  const records = new KeptRecords();
  let reported = 0;
  let reserved = false;
  let completed = false;
  try {
    for await (const batch of batches) {
      if (signal?.aborted) throw new InputError('curation cancelled', { code: 'cancelled' });
      if (!reserved && options.source.bytes !== undefined && batch.inputBytes > 0) {
        // The first batch tells the bytes per record, and so about how many records the source holds.
        reserved = true;
        const expected = Math.min(options.source.bytes / minimumRecordBytes, (batch.count * options.source.bytes) / batch.inputBytes);
        curator.reserve(expected);
        splitter.reserve(expected);
      }
      curator.admit(batch, (index) => {
        const start = index === 0 ? 0 : batch.lineEnds[index - 1]!;
        kept.write(batch.lines.subarray(start, batch.lineEnds[index]!));
        probes?.writeFloats(batch.probes.subarray(index === 0 ? 0 : batch.probeEnds[index - 1]!, batch.probeEnds[index]!));
        const labelId = batch.labelIds[index]!;
        const label = labelId === -1 ? undefined : batch.labels[labelId];
        const promptHash = batch.promptHashes[index]!;
        records.add(promptHash, label, batch.characters[index]!);
        splitter.observe(config.split.stratify ? (label ?? '') : '', promptHash);
      });
      if (curator.counts.input - reported >= progressEvery) {
        reported = curator.counts.input;
        const fraction = options.source.bytes ? Math.min(1, sourceHash.bytesSoFar() / options.source.bytes) : 0;
        options.onProgress?.({ phase: 'read', records: reported, fraction });
      }
      if (kept.backlogged) await kept.drain();
      if (probes?.backlogged) await probes.drain();
    }
    completed = true;
  } finally {
    if (!completed) await Promise.all([kept.abandon(), probes?.abandon()]);
  }
  await kept.close();
  await probes?.close();
  return { records, workers, source: { ...sourceHash.digest(), format: config.format } };
}

/** What the second pass gives: each split's file, stats and labels, and how many records decontamination dropped. */
interface RoutedSplits {
  outputs: Record<SplitName, { path: string; sha256: string; bytes: number; stats: LengthStats; labels: Record<string, number> }>;
  decontaminated: number;
  benchmarks: Array<{ uri: string; sha256: string }>;
  examples: Map<number, string>;
  timings: { split: number; decontaminate: number };
}

/** Adds the n-grams of each benchmark file to `contamination`; returns the files' hashes for the manifest. */
async function indexBenchmarks(benchmarks: readonly DatasetInput[], contamination: NgramIndex, config: CurationConfig): Promise<Array<{ uri: string; sha256: string }>> {
  const hashes: Array<{ uri: string; sha256: string }> = [];
  for (const benchmark of benchmarks) {
    const benchmarkHash = hashing(await benchmark.open());
    const reader = { format: 'auto' as const, fileName: benchmark.uri, maxLineBytes: config.maxLineBytes, maxCharacters: config.maxCharacters, columns: config.columns };
    for await (const outcome of readRecords(benchmarkHash.transform, reader)) {
      if ('record' in outcome) contamination.add(comparedText(outcome.record));
    }
    hashes.push({ uri: benchmark.uri, sha256: benchmarkHash.digest().sha256 });
  }
  return hashes;
}

/**
 * Pass 2: assigns splits (stratified quantiles of the prompt hashes need every record first),
 * indexes the test split's n-grams and the benchmarks', then routes kept records into split files,
 * dropping training and validation records that share an n-gram with them.
 */
async function routeSplits(options: CurateDatasetOptions, scratch: Scratch, records: KeptRecords, splitter: SplitAssigner, samples: ReadonlySet<number>): Promise<RoutedSplits> {
  const { config } = options;
  const decontaminate = config.decontamination.enabled;
  let started = performance.now();
  const splitCodes = new Uint8Array(records.count);
  for (let index = 0; index < records.count; index += 1) {
    const split = splitter.assign(config.split.stratify ? (records.label(index) ?? '') : '', records.promptHashes[index]!);
    splitCodes[index] = splitNames.indexOf(split);
  }
  const contamination = new NgramIndex(config.decontamination.ngram);
  if (decontaminate) {
    const lines = new ScratchReader(scratch.keptPath);
    try {
      for (let index = 0; index < records.count; index += 1) {
        const line = lines.nextLine()!;
        if (splitCodes[index] === testCode) contamination.add(comparedTextOf(line));
      }
    } finally {
      lines.close();
    }
  }
  const split = performance.now() - started;
  options.onProgress?.({ phase: 'split', records: records.count, fraction: 1 });

  started = performance.now();
  const benchmarks = decontaminate ? await indexBenchmarks(options.benchmarks ?? [], contamination, config) : [];
  const writers = splitNames.map((name) => new ScratchWriter(join(scratch.folder, `${name}.jsonl`), { sha256: true }));
  const stats = splitNames.map(() => new LengthStats());
  const labels = splitNames.map(() => ({}) as Record<string, number>);
  const examples = new Map<number, string>();
  const lines = new ScratchReader(scratch.keptPath);
  const probes = decontaminate ? new ScratchReader(scratch.probesPath) : undefined;
  let decontaminated = 0;
  let completed = false;
  try {
    for (let index = 0; index < records.count; index += 1) {
      const line = lines.nextLine()!;
      const probesOfRecord = probes?.nextFloats();
      if (samples.has(index)) examples.set(index, comparedTextOf(line).slice(0, 300));
      const code = splitCodes[index]!;
      // The probes rule out nearly every record; the few that may overlap are checked n-gram by n-gram.
      if (code !== testCode && probesOfRecord !== undefined && contamination.mayOverlap(probesOfRecord) && contamination.overlaps(comparedTextOf(line))) {
        decontaminated += 1;
        continue;
      }
      const writer = writers[code]!;
      writer.write(line);
      // The split files are written on libuv's threads while this loop goes on; it waits only when they fall behind.
      if (writer.backlogged) await writer.drain();
      stats[code]!.add(tokensForCharacters(records.characters[index]!));
      const label = records.label(index);
      if (label !== undefined) labels[code]![label] = (labels[code]![label] ?? 0) + 1;
    }
    completed = true;
  } finally {
    lines.close();
    probes?.close();
    if (!completed) await Promise.all(writers.map((writer) => writer.abandon()));
  }
  const outputs = {} as RoutedSplits['outputs'];
  for (const [code, name] of splitNames.entries()) {
    const { bytes, sha256 } = await writers[code]!.close();
    outputs[name] = { path: join(scratch.folder, `${name}.jsonl`), sha256: sha256!, bytes, stats: stats[code]!, labels: labels[code]! };
  }
  options.onProgress?.({ phase: 'decontaminate', records: records.count, fraction: 1 });
  return { outputs, decontaminated, benchmarks, examples, timings: { split, decontaminate: performance.now() - started } };
}

const testCode = splitNames.indexOf('test');

/** The compared text of a kept record, from its JSON line in the scratch file. */
function comparedTextOf(line: Buffer): string {
  return comparedText(JSON.parse(line.toString('utf8')) as CanonicalRecord);
}

/** Refuses a run with no records, too many invalid ones, or none left after curation. */
function checkCounts(curator: RecordCurator, config: CurationConfig, uri: string): void {
  const { counts } = curator;
  if (counts.input === 0) throw new InputError(`dataset ${uri} has no records`, { code: 'dataset-empty' });
  if (exceedsMaxInvalid(counts.invalid, counts.input, config.maxInvalid)) {
    const first = curator.issues[0];
    throw new InputError(
      `dataset ${uri}: ${counts.invalid} of ${counts.input} records are invalid, more than maxInvalid ${config.maxInvalid}; first: line ${first?.line}: "${first?.path}" ${first?.message}`,
      { code: 'too-many-invalid', issues: curator.issues },
    );
  }
  if (counts.kept === 0) throw new InputError(`dataset ${uri}: no record survived curation (${JSON.stringify(counts)})`, { code: 'dataset-empty' });
}

/**
 * Curates a dataset in two streaming passes with bounded memory (only the dedupe indexes and 16
 * bytes per kept record grow). Pass 1 reads and validates the source and runs the per-record steps
 * on worker threads, then dedupes in input order on this thread; pass 2 assigns splits and
 * decontaminates training data against the test split and benchmarks. Stores the splits
 * (content-addressed), a manifest and a dataset card; the version id is derived from the splits
 * and the config, so the same input and config give the same id with any number of workers.
 */
export async function curateDataset(options: CurateDatasetOptions): Promise<CurationOutcome> {
  const { config, store } = options;
  const folder = await mkdtemp(join(tmpdir(), 'lora-curate-'));
  const scratch: Scratch = { folder, keptPath: join(folder, 'kept.jsonl'), probesPath: join(folder, 'kept.probes') };
  try {
    let started = performance.now();
    const curator = new RecordCurator(config);
    const splitter = new SplitAssigner(config.split);
    const first = await admitRecords(options, scratch, curator, splitter);
    curator.releaseIndexes();
    const read = performance.now() - started;
    checkCounts(curator, config, options.source.uri);
    const routed = await routeSplits(options, scratch, first.records, splitter, new Set(curator.nearDuplicateSamples.keys()));

    started = performance.now();
    const splitFiles = {} as DatasetManifest['splits'];
    for (const name of splitNames) {
      const output = routed.outputs[name];
      const blob = await putFileBlob(store, output.path, { sha256: output.sha256, size: output.bytes });
      const tokens = output.stats.summary();
      splitFiles[name] = { key: blob.key, sha256: blob.sha256, bytes: blob.size, records: tokens.records, tokens, labels: output.labels };
    }
    const id = `ds-${sha256Hex(canonicalJson({ splits: splitNames.map((name) => splitFiles[name].sha256), config })).slice(0, 16)}`;
    const manifestKey = manifestKeyOf(options.name, id);
    const existing = await store.head(manifestKey);
    const { counts } = curator;
    const manifest: DatasetManifest = {
      schemaVersion: 1,
      id,
      name: options.name,
      createdAt: new Date().toISOString(),
      source: { uri: options.source.uri, sha256: first.source.sha256, bytes: first.source.bytes, format: config.format },
      benchmarks: routed.benchmarks,
      config,
      tokenizer: tokenEstimateMethod,
      counts: { ...counts, decontaminated: routed.decontaminated, kept: counts.kept - routed.decontaminated },
      filteredBy: curator.filteredBy,
      pii: curator.pii,
      issuesByCode: curator.issuesByCode,
      issues: curator.issues.map((issue) => ({ ...(issue.line === undefined ? {} : { line: issue.line }), code: issue.code, path: issue.path, message: issue.message })),
      nearDuplicateExamples: [...curator.nearDuplicateSamples].map(([keptIndex, duplicates]) => ({ kept: routed.examples.get(keptIndex) ?? '', duplicates })),
      splits: splitFiles,
      cardKey: `datasets/${options.name}/${id}/card.md`,
    };
    if (existing === undefined) {
      const histogram = routed.outputs.train.stats.histogram(12);
      await store.put(manifest.cardKey, renderDatasetCard(manifest, histogram));
      await store.writeJson(manifestKey, manifest);
    }
    const write = performance.now() - started;
    const stored = existing === undefined ? manifest : ((await store.readJson(manifestKey)) as DatasetManifest);
    const timings = { ...curator.timings, read, ...routed.timings, write };
    return { manifest: stored, manifestKey, created: existing === undefined, timings, workers: first.workers };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
