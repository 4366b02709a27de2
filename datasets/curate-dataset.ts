import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { Transform, type Readable } from 'node:stream';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { InputError, canonicalJson, putBlob, sha256Hex, type ArtifactStore } from '../core/index.js';
import type { CanonicalRecord } from './canonical-record.js';
import type { CurationConfig } from './curation-config.js';
import { LengthStats } from './curation/length-stats.js';
import { NgramIndex } from './curation/ngram-index.js';
import { SplitAssigner, splitNames, type SplitName } from './curation/split-assigner.js';
import { tokenEstimateMethod, tokensForCharacters } from './curation/token-estimate.js';
import { readRecords } from './formats/index.js';
import { renderDatasetCard } from './dataset-card.js';
import { manifestKeyOf, type DatasetManifest } from './dataset-manifest.js';
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
  onProgress?(update: { phase: string; records: number; fraction: number }): void;
}

/** The outcome of a curation: the manifest as stored, and where. */
export interface CurationOutcome {
  manifest: DatasetManifest;
  manifestKey: string;
  /** False when the same version was already in the store. */
  created: boolean;
  timings: StepTimings & { read: number; split: number; decontaminate: number; write: number };
}

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

async function writeLine(stream: WriteStream, line: string): Promise<void> {
  if (!stream.write(`${line}\n`)) await once(stream, 'drain');
}

async function closeStream(stream: WriteStream): Promise<void> {
  stream.end();
  await once(stream, 'close');
}

async function* jsonLines(path: string): AsyncGenerator<string> {
  for await (const line of createInterface({ input: createReadStream(path), crlfDelay: Infinity })) if (line !== '') yield line;
}

/**
 * What decontamination compares: every message but the system prompt, which datasets share on
 * purpose and which would otherwise make every record "overlap" the test split.
 */
function decontaminationText(record: CanonicalRecord): string {
  return record.messages
    .filter((message) => message.role !== 'system')
    .map((message) => message.content)
    .join('\n');
}

/** Characters of content in a record, the basis of its token estimate. */
function characters(record: CanonicalRecord): number {
  let total = 0;
  for (const message of record.messages) total += message.content.length;
  return total;
}

/**
 * Curates a dataset in three streaming passes with bounded memory (only the dedupe indexes and
 * one hash per kept record grow): validate and run the per-record steps into a scratch file;
 * assign splits and write the test split while indexing its n-grams; drop training records that
 * share an n-gram with the test split or a benchmark. Stores the splits (content-addressed),
 * a manifest and a dataset card; the version id is derived from the splits and the config.
 */
export async function curateDataset(options: CurateDatasetOptions): Promise<CurationOutcome> {
  const { config, store, signal } = options;
  const scratch = await mkdtemp(join(tmpdir(), 'lora-curate-'));
  const timings = { read: 0, split: 0, decontaminate: 0, write: 0 };
  const progress = (phase: string, records: number, fraction: number) => options.onProgress?.({ phase, records, fraction });
  try {
    // Pass 1: read, validate, and run the per-record steps.
    let started = performance.now();
    const curator = new RecordCurator(config);
    const splitter = new SplitAssigner(config.split);
    const keptPath = join(scratch, 'kept.jsonl');
    const kept = createWriteStream(keptPath);
    const promptHashes: number[] = [];
    // Group names are interned: a million copies of the same label string would cost tens of megabytes.
    const groupIds = new Map<string, number>();
    const groupNames: string[] = [];
    const groups: number[] = [];
    const sourceHash = hashing(await options.source.open());
    const sourceStream = sourceHash.transform;
    const readerOptions = { format: config.format, fileName: options.source.uri, maxLineBytes: config.maxLineBytes, maxCharacters: config.maxCharacters, columns: config.columns };
    for await (const outcome of readRecords(sourceStream, readerOptions)) {
      if (signal?.aborted) throw new InputError('curation cancelled', { code: 'cancelled' });
      if ('issues' in outcome) {
        curator.reject(outcome.issues);
      } else {
        const result = curator.curate(outcome.record);
        if (result.kept) {
          promptHashes.push(result.promptHash);
          let groupId = groupIds.get(result.group);
          if (groupId === undefined) {
            groupId = groupNames.length;
            groupIds.set(result.group, groupId);
            groupNames.push(result.group);
          }
          groups.push(groupId);
          splitter.observe(result.group, result.promptHash);
          await writeLine(kept, JSON.stringify(result.record));
        }
      }
      if (curator.counts.input % 10_000 === 0) progress('read', curator.counts.input, options.source.bytes ? Math.min(1, sourceHash.bytesSoFar() / options.source.bytes) : 0);
    }
    await closeStream(kept);
    const source = sourceHash.digest();
    const { counts } = curator;
    timings.read = performance.now() - started - Object.values(curator.timings).reduce((sum, value) => sum + value, 0);
    if (counts.input === 0) throw new InputError(`dataset ${options.source.uri} has no records`, { code: 'dataset-empty' });
    if (exceedsMaxInvalid(counts.invalid, counts.input, config.maxInvalid)) {
      const first = curator.issues[0];
      throw new InputError(
        `dataset ${options.source.uri}: ${counts.invalid} of ${counts.input} records are invalid, more than maxInvalid ${config.maxInvalid}; first: line ${first?.line}: "${first?.path}" ${first?.message}`,
        { code: 'too-many-invalid', issues: curator.issues },
      );
    }
    if (counts.kept === 0) throw new InputError(`dataset ${options.source.uri}: no record survived curation (${JSON.stringify(counts)})`, { code: 'dataset-empty' });

    // Pass 2: assign splits; the test split is final, and its n-grams are what training must not share.
    started = performance.now();
    const contamination = new NgramIndex(config.decontamination.ngram);
    const candidatesPath = join(scratch, 'candidates.jsonl');
    const candidates = createWriteStream(candidatesPath);
    const testPath = join(scratch, 'test.jsonl');
    const test = createWriteStream(testPath);
    const examples = new Map<number, string>();
    let index = 0;
    for await (const line of jsonLines(keptPath)) {
      const split = splitter.assign(groupNames[groups[index]!]!, promptHashes[index]!);
      if (curator.nearDuplicateSamples.has(index)) {
        const record = JSON.parse(line) as CanonicalRecord;
        examples.set(index, record.messages.map((message) => message.content).join('\n').slice(0, 300));
      }
      if (split === 'test') {
        await writeLine(test, line);
        if (config.decontamination.enabled) contamination.add(decontaminationText(JSON.parse(line) as CanonicalRecord));
      } else {
        await writeLine(candidates, `${split === 'train' ? 't' : 'v'}${line}`);
      }
      index += 1;
    }
    await Promise.all([closeStream(candidates), closeStream(test)]);
    promptHashes.length = 0;
    groups.length = 0;
    timings.split = performance.now() - started;
    progress('split', counts.kept, 1);

    // Pass 3: decontaminate training and validation records against the test split and benchmarks.
    started = performance.now();
    const benchmarks: Array<{ uri: string; sha256: string }> = [];
    if (config.decontamination.enabled) {
      for (const benchmark of options.benchmarks ?? []) {
        const benchmarkHash = hashing(await benchmark.open());
        const stream = benchmarkHash.transform;
        for await (const outcome of readRecords(stream, { ...readerOptions, format: 'auto', fileName: benchmark.uri })) {
          if ('record' in outcome) contamination.add(decontaminationText(outcome.record));
        }
        benchmarks.push({ uri: benchmark.uri, sha256: benchmarkHash.digest().sha256 });
      }
    }
    const outputs = Object.fromEntries(splitNames.map((name) => [name, { path: join(scratch, `${name}.jsonl`), stats: new LengthStats(), labels: {} as Record<string, number> }]));
    const train = createWriteStream(outputs.train!.path);
    const validation = createWriteStream(outputs.validation!.path);
    let decontaminated = 0;
    const tally = (split: SplitName, record: CanonicalRecord) => {
      const output = outputs[split]!;
      output.stats.add(tokensForCharacters(characters(record)));
      if (record.label !== undefined) output.labels[record.label] = (output.labels[record.label] ?? 0) + 1;
    };
    for await (const tagged of jsonLines(candidatesPath)) {
      const split: SplitName = tagged[0] === 't' ? 'train' : 'validation';
      const line = tagged.slice(1);
      const record = JSON.parse(line) as CanonicalRecord;
      if (config.decontamination.enabled && contamination.overlaps(decontaminationText(record))) {
        decontaminated += 1;
        continue;
      }
      tally(split, record);
      await writeLine(split === 'train' ? train : validation, line);
    }
    await Promise.all([closeStream(train), closeStream(validation)]);
    for await (const line of jsonLines(testPath)) tally('test', JSON.parse(line) as CanonicalRecord);
    timings.decontaminate = performance.now() - started;
    progress('decontaminate', counts.kept, 1);

    // Store: content-addressed splits, then the manifest and card under the version id.
    started = performance.now();
    const splitFiles = {} as DatasetManifest['splits'];
    for (const name of splitNames) {
      const output = outputs[name]!;
      const blob = await putBlob(store, createReadStream(output.path));
      const tokens = output.stats.summary();
      splitFiles[name] = { key: blob.key, sha256: blob.sha256, bytes: blob.size, records: tokens.records, tokens, labels: output.labels };
    }
    const id = `ds-${sha256Hex(canonicalJson({ splits: splitNames.map((name) => splitFiles[name].sha256), config })).slice(0, 16)}`;
    const manifestKey = manifestKeyOf(options.name, id);
    const existing = await store.head(manifestKey);
    const manifest: DatasetManifest = {
      schemaVersion: 1,
      id,
      name: options.name,
      createdAt: new Date().toISOString(),
      source: { uri: options.source.uri, ...source, format: config.format },
      benchmarks,
      config,
      tokenizer: tokenEstimateMethod,
      counts: { ...counts, decontaminated, kept: counts.kept - decontaminated },
      filteredBy: curator.filteredBy,
      pii: curator.pii,
      issuesByCode: curator.issuesByCode,
      issues: curator.issues.map((issue) => ({ ...(issue.line === undefined ? {} : { line: issue.line }), code: issue.code, path: issue.path, message: issue.message })),
      nearDuplicateExamples: [...curator.nearDuplicateSamples].map(([keptIndex, duplicates]) => ({ kept: examples.get(keptIndex) ?? '', duplicates })),
      splits: splitFiles,
      cardKey: `datasets/${options.name}/${id}/card.md`,
    };
    if (existing === undefined) {
      const histogram = outputs.train!.stats.histogram(12);
      await store.put(manifest.cardKey, renderDatasetCard(manifest, histogram));
      await store.writeJson(manifestKey, manifest);
    }
    timings.write = performance.now() - started;
    const stored = existing === undefined ? manifest : ((await store.readJson(manifestKey)) as DatasetManifest);
    return { manifest: stored, manifestKey, created: existing === undefined, timings: { ...curator.timings, ...timings } };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
