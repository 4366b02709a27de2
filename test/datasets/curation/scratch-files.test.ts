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

/** Reads records of the given sizes back through `take`, decoded. */
function readRecords(reader: ScratchReader, sizes: readonly number[]): string[] {
  return sizes.map((size) => {
    const at = reader.take(size);
    return reader.buffer.toString('utf8', at, at + size);
  });
}

/** A run of `length` distinct floats, negative and fractional ones included. */
function run(length: number, seed: number): number[] {
  return Array.from({ length }, (_, index) => (seed + index) * -1.25 + index / 3);
}

/** The bytes of a run of floats, as `ScratchWriter.write` takes them. */
function bytesOf(values: Float64Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}

describe('ScratchWriter and ScratchReader', () => {
  it('read back records of known sizes written through a buffer smaller than some of them', async () => {
    const records = ['short\n', `${'long '.repeat(12)}\n`, '\n', 'éàü multi-byte\n', 'x'.repeat(16) + '\n', 'last, without a line feed'];
    const writer = new ScratchWriter(path, { bufferBytes: 16 });
    for (const record of records) writer.write(Buffer.from(record, 'utf8'));
    await writer.close();

    const reader = new ScratchReader(path, 16);
    expect(readRecords(reader, records.map((record) => Buffer.byteLength(record)))).toEqual(records);
    expect(reader.buffered).toBe(0);
    reader.close();
  });

  it('keep offsets valid while a take asks for no more than is buffered, so neighbours can be copied as one run', async () => {
    const writer = new ScratchWriter(path, { bufferBytes: 64 });
    writer.write(Buffer.from('first\nsecond\nthird\n'));
    await writer.close();

    const reader = new ScratchReader(path, 64);
    const first = reader.take(6);
    expect(reader.buffered).toBe(13);
    const second = reader.take(7);
    expect(second).toBe(first + 6);
    expect(reader.buffer.toString('utf8', first, second + 7)).toBe('first\nsecond\n');
    reader.close();
  });

  it('read back runs of floats of interleaved sizes, empty runs and runs longer than either buffer included', async () => {
    const runs = [run(0, 1), run(1, 2), run(3, 3), run(0, 4), run(20, 5), run(2, 6), run(100, 7), run(0, 8), run(7, 9)];
    const writer = new ScratchWriter(path, { bufferBytes: 64 });
    for (const values of runs) writer.write(bytesOf(Float64Array.from(values)));
    await writer.close();

    // A buffer of 60 bytes: its refills must still leave every run 8-byte aligned.
    const reader = new ScratchReader(path, 60);
    expect(runs.map((values) => Array.from(reader.floats(values.length)))).toEqual(runs);
    expect(reader.buffered).toBe(0);
    reader.close();
  });

  it('write a run given as a view into a larger array of floats', async () => {
    const values = Float64Array.from(run(12, 1));
    const writer = new ScratchWriter(path, { bufferBytes: 64 });
    writer.write(bytesOf(values.subarray(3, 9)));
    await writer.close();

    const reader = new ScratchReader(path, 64);
    expect(Array.from(reader.floats(6))).toEqual(Array.from(values.subarray(3, 9)));
    reader.close();
  });

  it('return from close the file’s size and, when asked, the sha256 of its bytes', async () => {
    const writer = new ScratchWriter(path, { sha256: true, bufferBytes: 16 });
    writer.write(Buffer.from('a line longer than the buffer\n'));
    writer.write(bytesOf(Float64Array.from(run(5, 1))));
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

  it('throw, naming the record and where it starts, when the file ends in the middle of a record', async () => {
    const writer = new ScratchWriter(path, { bufferBytes: 64 });
    writer.write(bytesOf(Float64Array.from(run(2, 1))));
    writer.write(bytesOf(Float64Array.from(run(10, 2))));
    await writer.close();
    // The first run (16 bytes), then three and a half of the second's ten values.
    truncateSync(path, 16 + 3 * 8 + 4);

    const reader = new ScratchReader(path, 64);
    try {
      expect(Array.from(reader.floats(2))).toEqual(run(2, 1));
      expect(() => reader.floats(10)).toThrow(/ends 52 bytes short of a record of 80 bytes at byte 16/);
    } finally {
      reader.close();
    }
  });
});
