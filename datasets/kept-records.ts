// What the first pass of a curation keeps of each kept record: a few numbers in memory, and its JSON
// line and decontamination probes in two scratch files, which the second pass reads back in order.
import type { PreparedBatch } from './curation/prepared-batch.js';
import type { ScratchWriter } from './curation/scratch-files.js';

/**
 * The kept records, 24 bytes each in memory: the split key, label and length of each, and the sizes
 * of its line and probes in the scratch files, so that the second pass reads them back by size
 * without searching for line feeds or storing counts in the files.
 */
export class KeptRecords {
  promptHashes = new Float64Array(1024);
  labelIds = new Int32Array(1024);
  characters = new Uint32Array(1024);
  /** Bytes of each record's JSON line in the scratch file, its line feed included. */
  lineBytes = new Uint32Array(1024);
  /** Probes (64-bit floats) of each record in the probes scratch file. */
  probeCounts = new Uint32Array(1024);
  readonly labels: string[] = [];
  private readonly labelIndex = new Map<string, number>();
  count = 0;

  add(promptHash: number, label: string | undefined, characters: number, lineBytes: number, probeCount: number): void {
    if (this.count === this.promptHashes.length) this.grow();
    const index = this.count;
    this.promptHashes[index] = promptHash;
    this.labelIds[index] = label === undefined ? -1 : this.labelId(label);
    this.characters[index] = characters;
    this.lineBytes[index] = lineBytes;
    this.probeCounts[index] = probeCount;
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
    const grown = <T extends Float64Array | Int32Array | Uint32Array>(values: T, make: new (size: number) => T): T => {
      const array = new make(size);
      array.set(values);
      return array;
    };
    this.promptHashes = grown(this.promptHashes, Float64Array);
    this.labelIds = grown(this.labelIds, Int32Array);
    this.characters = grown(this.characters, Uint32Array);
    this.lineBytes = grown(this.lineBytes, Uint32Array);
    this.probeCounts = grown(this.probeCounts, Uint32Array);
  }
}

/**
 * Writes the lines and probes of a batch's kept candidates to the scratch files. Kept candidates come
 * in runs (most records are kept), and each run is written with one copy instead of one per record.
 */
export class KeptRunWriter {
  private batch: PreparedBatch | undefined;
  private from = 0;
  private to = 0;

  constructor(
    private readonly lines: ScratchWriter,
    private readonly probes: ScratchWriter | undefined,
  ) {}

  /** Starts on a batch, after `flush` of the previous one. */
  start(batch: PreparedBatch): void {
    this.batch = batch;
    this.from = 0;
    this.to = 0;
  }

  /** Adds candidate `index` of the batch, which comes after the ones added before. */
  keep(index: number): void {
    if (index !== this.to) {
      this.flush();
      this.from = index;
    }
    this.to = index + 1;
  }

  /** Writes the run added so far. */
  flush(): void {
    const { batch, from, to } = this;
    if (batch === undefined || from === to) return;
    this.from = to;
    this.lines.write(batch.lines.subarray(from === 0 ? 0 : batch.lineEnds[from - 1]!, batch.lineEnds[to - 1]!));
    if (this.probes === undefined) return;
    const first = from === 0 ? 0 : batch.probeEnds[from - 1]!;
    const end = batch.probeEnds[to - 1]!;
    const { buffer, byteOffset } = batch.probes;
    this.probes.write(new Uint8Array(buffer, byteOffset + first * 8, (end - first) * 8));
  }
}
