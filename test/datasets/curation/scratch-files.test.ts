import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ScratchReader, ScratchWriter } from '../../../datasets/curation/scratch-files.js';

let folder: string;
let path: string;

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'scratch-files-'));
  path = join(folder, 'scratch.bin');
});

afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

/** Every line `reader` gives, decoded, up to the end. */
function readLines(reader: ScratchReader): string[] {
  const lines: string[] = [];
  for (let line = reader.nextLine(); line !== undefined; line = reader.nextLine()) lines.push(line.toString('utf8'));
  return lines;
}

/** Every run of floats `reader` gives, copied out of its buffer, up to the end. */
function readRuns(reader: ScratchReader): number[][] {
  const runs: number[][] = [];
  for (let run = reader.nextFloats(); run !== undefined; run = reader.nextFloats()) runs.push(Array.from(run));
  return runs;
}

/** A run of `length` distinct floats, negative and fractional ones included. */
function run(length: number, seed: number): number[] {
  return Array.from({ length }, (_, index) => (seed + index) * -1.25 + index / 3);
}

describe('ScratchWriter and ScratchReader', () => {
  it('read back lines written through a buffer smaller than the lines, line feeds included, the last one without', async () => {
    const lines = ['short\n', `${'long '.repeat(12)}\n`, '\n', 'éàü multi-byte\n', 'x'.repeat(16) + '\n', 'last, without a line feed'];
    const writer = new ScratchWriter(path, { bufferBytes: 16 });
    for (const line of lines) writer.write(Buffer.from(line, 'utf8'));
    await writer.close();

    const reader = new ScratchReader(path, 16);
    expect(readLines(reader)).toEqual(lines);
    expect(reader.nextLine()).toBeUndefined();
    reader.close();
  });

  it('read back runs of floats of interleaved sizes, empty runs and runs longer than either buffer included', async () => {
    const runs = [run(0, 1), run(1, 2), run(3, 3), run(0, 4), run(20, 5), run(2, 6), run(100, 7), run(0, 8), run(7, 9)];
    const writer = new ScratchWriter(path, { bufferBytes: 64 });
    for (const values of runs) writer.writeFloats(Float64Array.from(values));
    await writer.close();

    const reader = new ScratchReader(path, 64);
    expect(readRuns(reader)).toEqual(runs);
    expect(reader.nextFloats()).toBeUndefined();
    reader.close();
  });

  it('write a run given as a view into a larger array of floats', async () => {
    const values = Float64Array.from(run(12, 1));
    const writer = new ScratchWriter(path, { bufferBytes: 64 });
    writer.writeFloats(values.subarray(3, 9));
    await writer.close();

    const reader = new ScratchReader(path, 64);
    expect(readRuns(reader)).toEqual([Array.from(values.subarray(3, 9))]);
    reader.close();
  });

  it('return from close the file’s size and, when asked, the sha256 of its bytes', async () => {
    const writer = new ScratchWriter(path, { sha256: true, bufferBytes: 16 });
    writer.write(Buffer.from('a line longer than the buffer\n'));
    writer.writeFloats(Float64Array.from(run(5, 1)));
    writer.write(Buffer.from('tail'));
    const { bytes, sha256 } = await writer.close();

    expect(bytes).toBe(statSync(path).size);
    expect(sha256).toBe(createHash('sha256').update(readFileSync(path)).digest('hex'));
  });

  it('return no sha256 from close when not asked to hash', async () => {
    const writer = new ScratchWriter(path);
    writer.write(Buffer.from('one line\n'));
    expect(await writer.close()).toEqual({ bytes: 9, sha256: undefined });
  });

  it('throw, naming the run, when the file ends in the middle of a run of floats', async () => {
    const writer = new ScratchWriter(path, { bufferBytes: 64 });
    writer.writeFloats(Float64Array.from(run(2, 1)));
    writer.writeFloats(Float64Array.from(run(10, 2)));
    await writer.close();
    // The first run (8 + 16 bytes), then the second's count and three and a half of its ten values.
    truncateSync(path, 24 + 8 + 3 * 8 + 4);

    const reader = new ScratchReader(path, 64);
    expect(Array.from(reader.nextFloats()!)).toEqual(run(2, 1));
    expect(() => reader.nextFloats()).toThrow(/run of 10 values/);
    reader.close();
  });

  it('throw when the file ends in the middle of a run’s count', async () => {
    const writer = new ScratchWriter(path, { bufferBytes: 64 });
    writer.writeFloats(Float64Array.from(run(2, 1)));
    writer.writeFloats(Float64Array.from(run(1, 2)));
    await writer.close();
    truncateSync(path, 24 + 4);

    const reader = new ScratchReader(path, 64);
    reader.nextFloats();
    try {
      expect(() => reader.nextFloats()).toThrow(/scratch file ends inside the count/);
    } finally {
      reader.close();
    }
  });
});
