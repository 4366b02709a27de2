import { mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../../core/index.js';
import { openSafetensors } from '../../../adapters/model/safetensors/safetensors-reader.js';
import { encodeSafetensors, writeSafetensors } from '../../../adapters/model/safetensors/safetensors-writer.js';

/** A safetensors file assembled by hand: length prefix, the header JSON as given, then the data bytes. */
function handMade(header: unknown, data: Uint8Array, declaredLength?: bigint): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, declaredLength ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** Little-endian bytes of 16-bit patterns. */
function halfBytes(patterns: number[]): Uint8Array {
  const out = new Uint8Array(patterns.length * 2);
  patterns.forEach((bits, index) => new DataView(out.buffer).setUint16(index * 2, bits, true));
  return out;
}

async function failure(promise: Promise<unknown>): Promise<InputError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

describe('safetensors', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'lora-safetensors-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  const tensors = new Map([
    ['b.weight', { shape: [2, 3], data: new Float32Array([1, -2.5, 3.25, 1e-30, -0, 6e37]) }],
    ['a.bias', { shape: [3], data: new Float32Array([Math.PI, -Math.E, 0.1]) }],
    ['scalar', { shape: [], data: new Float32Array([42]) }],
    ['empty', { shape: [0, 4], data: new Float32Array(0) }],
  ]);

  it('reads back exactly what it wrote, with the metadata', async () => {
    const path = join(folder, 'round-trip.safetensors');
    await writeSafetensors(path, tensors, { format: 'pt' });
    const file = await openSafetensors(path);
    try {
      expect(file.metadata).toEqual({ format: 'pt' });
      expect([...file.tensors.keys()].sort()).toEqual(['a.bias', 'b.weight', 'empty', 'scalar']);
      for (const [name, tensor] of tensors) {
        expect(file.tensors.get(name)).toEqual({ dtype: 'F32', shape: tensor.shape });
        expect(await file.read(name)).toEqual(tensor.data);
      }
    } finally {
      await file.close();
    }
  });

  it('lays tensors out sorted by name after a header padded with spaces to a multiple of 8 bytes', async () => {
    const bytes = encodeSafetensors(tensors);
    const headerLength = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLength % 8).toBe(0);
    const text = new TextDecoder().decode(bytes.subarray(8, 8 + headerLength));
    const json = text.trimEnd();
    expect(text.slice(json.length)).toBe(' '.repeat(headerLength - json.length));
    expect(headerLength).toBe(Math.ceil(json.length / 8) * 8);
    const header = JSON.parse(json) as Record<string, { data_offsets: [number, number] }>;
    expect(header['a.bias']?.data_offsets).toEqual([0, 12]);
    expect(header['b.weight']?.data_offsets).toEqual([12, 36]);
    expect(header['empty']?.data_offsets).toEqual([36, 36]);
    expect(header['scalar']?.data_offsets).toEqual([36, 40]);
    expect(bytes.length).toBe(8 + headerLength + 40);
  });

  it('writes the same bytes to disk as it encodes in memory, and leaves no scratch file behind', async () => {
    const sub = await mkdtemp(join(folder, 'atomic-'));
    const path = join(sub, 'model.safetensors');
    await writeSafetensors(path, tensors);
    expect(new Uint8Array(await readFile(path))).toEqual(encodeSafetensors(tensors));
    expect(await readdir(sub)).toEqual(['model.safetensors']);
  });

  it('refuses to write a tensor whose data does not fill its shape', async () => {
    const path = join(folder, 'never-written.safetensors');
    const error = await failure(writeSafetensors(path, new Map([['w', { shape: [2, 2], data: new Float32Array(3) }]])));
    expect(error.message).toContain('tensor "w" has shape [2, 2], which holds 4 values, but its data holds 3');
    await expect(readFile(path)).rejects.toThrow(/ENOENT/);
  });

  it('widens float16 values, subnormals and infinity included, to float32', async () => {
    const path = join(folder, 'half.safetensors');
    // 1.0, -2.5, 65504 (largest half), 2^-24 (smallest subnormal), 0x03ff (largest subnormal), -0, +Infinity
    const patterns = [0x3c00, 0xc100, 0x7bff, 0x0001, 0x03ff, 0x8000, 0x7c00];
    await writeFile(path, handMade({ h: { dtype: 'F16', shape: [7], data_offsets: [0, 14] } }, halfBytes(patterns)));
    const file = await openSafetensors(path);
    const values = await file.read('h');
    await file.close();
    expect([...values]).toEqual([1, -2.5, 65504, 2 ** -24, 1023 * 2 ** -24, -0, Infinity]);
    expect(file.tensors.get('h')).toEqual({ dtype: 'F16', shape: [7] });
  });

  it('reads float16 NaN as NaN', async () => {
    const path = join(folder, 'half-nan.safetensors');
    await writeFile(path, handMade({ h: { dtype: 'F16', shape: [1], data_offsets: [0, 2] } }, halfBytes([0x7e00])));
    const file = await openSafetensors(path);
    expect(Number.isNaN((await file.read('h'))[0])).toBe(true);
    await file.close();
  });

  it('widens bfloat16 values as the upper half of a float32', async () => {
    const path = join(folder, 'brain.safetensors');
    // 1.0, -2.5, 65536, 2^-133 (a subnormal: float32 bits 0x00010000), largest finite bfloat16 (0x7f7f0000)
    const patterns = [0x3f80, 0xc020, 0x4780, 0x0001, 0x7f7f];
    await writeFile(path, handMade({ __metadata__: { format: 'pt' }, b: { dtype: 'BF16', shape: [5], data_offsets: [0, 10] } }, halfBytes(patterns)));
    const file = await openSafetensors(path);
    const values = await file.read('b');
    await file.close();
    expect([...values]).toEqual([1, -2.5, 65536, 2 ** -133, new Float32Array(new Uint32Array([0x7f7f0000]).buffer)[0]]);
  });

  it('refuses an unsupported dtype, naming the tensor, the file and the supported dtypes', async () => {
    const path = join(folder, 'int8.safetensors');
    await writeFile(path, handMade({ q: { dtype: 'I8', shape: [4], data_offsets: [0, 4] } }, new Uint8Array(4)));
    const error = await failure(openSafetensors(path));
    expect(error.code).toBe('safetensors-dtype-unsupported');
    expect(error.message).toContain(path);
    expect(error.message).toContain('tensor "q" has unsupported dtype "I8"; supported dtypes: F32, F16, BF16');
  });

  it('refuses a file shorter than its header says, with the expected and the actual size', async () => {
    const path = join(folder, 'truncated.safetensors');
    await writeSafetensors(path, tensors);
    const full = (await readFile(path)).length;
    await truncate(path, full - 4);
    const error = await failure(openSafetensors(path));
    expect(error.code).toBe('safetensors-truncated');
    expect(error.message).toContain(`${path} is truncated: its header describes ${full} bytes but the file has ${full - 4}`);
  });

  it('refuses a file shorter than the length prefix as truncated', async () => {
    const path = join(folder, 'tiny.safetensors');
    await writeFile(path, new Uint8Array(5));
    expect((await failure(openSafetensors(path))).code).toBe('safetensors-truncated');
  });

  it('refuses a header length larger than the file', async () => {
    const path = join(folder, 'long-header.safetensors');
    await writeFile(path, handMade({}, new Uint8Array(0), 1_000_000n));
    const error = await failure(openSafetensors(path));
    expect(error.code).toBe('safetensors-invalid');
    expect(error.message).toContain('declares a 1000000-byte safetensors header but the file has only 2 bytes after the length prefix');
  });

  it('refuses a header that is not JSON', async () => {
    const path = join(folder, 'not-json.safetensors');
    const bytes = handMade({}, new Uint8Array(0));
    bytes.set(new TextEncoder().encode('[!'), 8);
    await writeFile(path, bytes);
    const error = await failure(openSafetensors(path));
    expect(error.code).toBe('safetensors-invalid');
    expect(error.message).toContain('the safetensors header is not valid UTF-8 JSON');
  });

  it('refuses a header entry without data offsets, naming the field', async () => {
    const path = join(folder, 'no-offsets.safetensors');
    await writeFile(path, handMade({ w: { dtype: 'F32', shape: [1] } }, new Uint8Array(4)));
    const error = await failure(openSafetensors(path));
    expect(error.code).toBe('safetensors-invalid');
    expect(error.message).toContain('"w.data_offsets" must be a tuple, got nothing');
  });

  it('refuses offsets that do not match shape times dtype size', async () => {
    const path = join(folder, 'wrong-span.safetensors');
    await writeFile(path, handMade({ w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 8] } }, new Uint8Array(8)));
    const error = await failure(openSafetensors(path));
    expect(error.code).toBe('safetensors-invalid');
    expect(error.message).toContain('tensor "w" (F32 [2, 2]) must span 16 bytes, but its data_offsets [0, 8] span 8');
  });

  it('refuses tensors that leave a gap or overlap', async () => {
    const gap = join(folder, 'gap.safetensors');
    await writeFile(gap, handMade({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] }, b: { dtype: 'F32', shape: [1], data_offsets: [8, 12] } }, new Uint8Array(12)));
    expect((await failure(openSafetensors(gap))).message).toContain('leaves a gap of 4 bytes');
    const overlap = join(folder, 'overlap.safetensors');
    await writeFile(overlap, handMade({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [1], data_offsets: [4, 8] } }, new Uint8Array(8)));
    expect((await failure(openSafetensors(overlap))).message).toContain('overlaps the previous tensor by 4 bytes');
  });

  it('refuses bytes after the last tensor', async () => {
    const path = join(folder, 'trailing.safetensors');
    await writeFile(path, handMade({ a: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(6)));
    const error = await failure(openSafetensors(path));
    expect(error.code).toBe('safetensors-invalid');
    expect(error.message).toContain('2 bytes after the last tensor');
  });

  it('names the tensors it has when asked for one it lacks, and refuses reads after close', async () => {
    const path = join(folder, 'lookup.safetensors');
    await writeSafetensors(path, tensors);
    const file = await openSafetensors(path);
    const error = await failure(file.read('nope'));
    expect(error.code).toBe('safetensors-tensor-missing');
    expect(error.message).toContain('has no tensor "nope"; it holds 4 tensors');
    await file.close();
    await expect(file.read('scalar')).rejects.toThrow(/the file was closed/);
  });
});
