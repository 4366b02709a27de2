import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { InputError, canonicalJson, putFileBlob, sha256Hex, type ArtifactStore } from '../core/index.js';
import type { CanonicalRecord } from './canonical-record.js';
import type { CurationConfig } from './curation-config.js';
import { NgramIndex } from './curation/ngram-index.js';
import type { PreparedBatch } from './curation/prepared-batch.js';
import { comparedText, RecordPreparer } from './curation/record-preparer.js';
import { ScratchWriter } from './curation/scratch-files.js';
import { SplitAssigner, splitNames } from './curation/split-assigner.js';
import { tokenEstimateMethod } from './curation/token-estimate.js';
import { CurationWorkers, defaultWorkerCount } from './curation-workers.js';
import { lineBlocks, readRecords, resolveFormat, type DatasetFormat, type ReaderOptions } from './formats/index.js';
import { renderDatasetCard } from './dataset-card.js';
import { manifestKeyOf, type DatasetManifest } from './dataset-manifest.js';
import { hashing } from './hashing-stream.js';
import { KeptRecords, KeptRunWriter } from './kept-records.js';
import { prepareBlock, type BlockSettings } from './prepare-block.js';
import { RecordCurator, type StepTimings } from './record-curator.js';
import { routeSplits } from './route-splits.js';

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
  const runs = new KeptRunWriter(kept, probes);
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
      runs.start(batch);
      curator.admit(batch, (index) => {
        runs.keep(index);
        const labelId = batch.labelIds[index]!;
        const label = labelId === -1 ? undefined : batch.labels[labelId];
        const promptHash = batch.promptHashes[index]!;
        const lineBytes = batch.lineEnds[index]! - (index === 0 ? 0 : batch.lineEnds[index - 1]!);
        const probeCount = batch.probeEnds[index]! - (index === 0 ? 0 : batch.probeEnds[index - 1]!);
        records.add(promptHash, label, batch.characters[index]!, lineBytes, probeCount);
        splitter.observe(config.split.stratify ? (label ?? '') : '', promptHash);
      });
      runs.flush();
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
 * Curates a dataset in two streaming passes with bounded memory (only the dedupe indexes and 24
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
    const contamination = new NgramIndex(config.decontamination.ngram);
    started = performance.now();
    const benchmarks = config.decontamination.enabled ? await indexBenchmarks(options.benchmarks ?? [], contamination, config) : [];
    const indexing = performance.now() - started;
    const routed = await routeSplits({ ...scratch, config, records: first.records, splitter, samples: new Set(curator.nearDuplicateSamples.keys()), contamination, onProgress: options.onProgress });

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
      benchmarks,
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
    const timings = { ...curator.timings, read, split: routed.timings.split, decontaminate: indexing + routed.timings.decontaminate, write };
    return { manifest: stored, manifestKey, created: existing === undefined, timings, workers: first.workers };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
