import { open, type FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { InputError, LoraError } from '../../../core/index.js';
import { elementCount, maxHeaderLength, parseSafetensorsHeader, type SafetensorsDtype, type TensorEntry } from './safetensors-header.js';

/** A tensor's description as the header gives it, without its bytes. */
export interface TensorInfo {
  dtype: SafetensorsDtype;
  shape: number[];
}

/** An open safetensors file: the header is parsed, tensor bytes are read one tensor at a time. */
export interface SafetensorsFile {
  readonly path: string;
  readonly metadata: Record<string, string>;
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  /** Reads one tensor's byte range and widens it to float32. */
  read(name: string): Promise<Float32Array>;
  /** Releases the file handle; reads after this fail. */
  close(): Promise<void>;
}

/** The 8-byte little-endian header length that opens every safetensors file. */
const prefixLength = 8;

/** float16 bit pattern → float32 value, for all 65536 patterns; built on first use (256 KiB). */
let halfTable: Float32Array | undefined;

/** Decodes one IEEE 754 binary16 bit pattern. */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : Number.NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

function halfLookup(): Float32Array {
  if (halfTable === undefined) {
    halfTable = new Float32Array(0x10000);
    for (let bits = 0; bits < 0x10000; bits += 1) halfTable[bits] = halfToFloat(bits);
  }
  return halfTable;
}

/** Reads exactly `target.byteLength` bytes at `position`, looping over short reads. */
async function readExactly(handle: FileHandle, target: Uint8Array, position: number, path: string): Promise<void> {
  let done = 0;
  while (done < target.byteLength) {
    const { bytesRead } = await handle.read(target, done, target.byteLength - done, position + done);
    if (bytesRead === 0) {
      throw new InputError(`${path} ended at byte ${position + done} while ${target.byteLength - done} more bytes were expected; the file is truncated, download it again`, {
        code: 'safetensors-truncated',
      });
    }
    done += bytesRead;
  }
}

/** Widens 16-bit values to float32 in a fresh array. */
function widen(dtype: 'F16' | 'BF16', halves: Uint16Array): Float32Array {
  const out = new Float32Array(halves.length);
  if (dtype === 'BF16') {
    // bfloat16 is the upper half of a float32, so shifting the bits back is exact, NaN payloads included.
    const words = new Uint32Array(out.buffer);
    for (let index = 0; index < halves.length; index += 1) words[index] = (halves[index] as number) << 16;
  } else {
    const table = halfLookup();
    for (let index = 0; index < halves.length; index += 1) out[index] = table[halves[index] as number] as number;
  }
  return out;
}

async function readHeader(handle: FileHandle, path: string, fileSize: number): Promise<{ headerLength: number; json: unknown }> {
  if (fileSize < prefixLength) {
    throw new InputError(`${path} is ${fileSize} bytes, shorter than the ${prefixLength}-byte safetensors length prefix; the file is truncated, download it again`, {
      code: 'safetensors-truncated',
    });
  }
  const prefix = new Uint8Array(prefixLength);
  await readExactly(handle, prefix, 0, path);
  const declared = Buffer.from(prefix.buffer).readBigUInt64LE(0);
  if (declared > BigInt(Math.min(fileSize - prefixLength, maxHeaderLength))) {
    const limit = fileSize - prefixLength < maxHeaderLength ? `the file has only ${fileSize - prefixLength} bytes after the length prefix` : `the limit is ${maxHeaderLength}`;
    throw new InputError(`${path} declares a ${declared}-byte safetensors header but ${limit}; this is not a safetensors file or it is corrupt`, {
      code: 'safetensors-invalid',
    });
  }
  const headerLength = Number(declared);
  const bytes = new Uint8Array(headerLength);
  await readExactly(handle, bytes, prefixLength, path);
  try {
    return { headerLength, json: JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) };
  } catch (error) {
    throw new InputError(`${path}: the safetensors header is not valid UTF-8 JSON (${(error as Error).message}); this is not a safetensors file or it is corrupt`, {
      code: 'safetensors-invalid',
      cause: error,
    });
  }
}

/**
 * Opens a safetensors file and validates its header against the file size; tensor bytes stay on disk until `read`.
 * @example
 * const file = await openSafetensors('model.safetensors');
 * try { const embeddings = await file.read('model.embed_tokens.weight'); } finally { await file.close(); }
 */
export async function openSafetensors(path: string): Promise<SafetensorsFile> {
  if (endianness() !== 'LE') {
    throw new LoraError(`cannot read ${path}: safetensors data is little-endian and this host is big-endian`, { code: 'host-unsupported' });
  }
  const handle = await open(path, 'r');
  try {
    const fileSize = (await handle.stat()).size;
    const { headerLength, json } = await readHeader(handle, path, fileSize);
    const header = parseSafetensorsHeader(json, path);
    const expectedSize = prefixLength + headerLength + header.dataLength;
    if (fileSize < expectedSize) {
      throw new InputError(`${path} is truncated: its header describes ${expectedSize} bytes but the file has ${fileSize}; download it again`, {
        code: 'safetensors-truncated',
      });
    }
    if (fileSize > expectedSize) {
      throw new InputError(`${path} has ${fileSize - expectedSize} bytes after the last tensor its header describes (expected ${expectedSize} bytes, found ${fileSize}); the file is corrupt`, {
        code: 'safetensors-invalid',
      });
    }
    return new OpenSafetensorsFile(path, handle, header.metadata, header.tensors, prefixLength + headerLength);
  } catch (error) {
    await handle.close();
    throw error;
  }
}

class OpenSafetensorsFile implements SafetensorsFile {
  readonly tensors: ReadonlyMap<string, TensorInfo>;
  private closed = false;

  constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    readonly metadata: Record<string, string>,
    private readonly entries: Map<string, TensorEntry>,
    private readonly dataStart: number,
  ) {
    this.tensors = new Map([...entries].map(([name, entry]) => [name, { dtype: entry.dtype, shape: entry.shape }]));
  }

  async read(name: string): Promise<Float32Array> {
    const entry = this.entries.get(name);
    if (entry === undefined) {
      const known = [...this.entries.keys()].slice(0, 5).join(', ');
      throw new InputError(`${this.path} has no tensor "${name}"; it holds ${this.entries.size} tensors, such as ${known || 'none'}`, {
        code: 'safetensors-tensor-missing',
      });
    }
    if (this.closed) throw new LoraError(`cannot read tensor "${name}" from ${this.path}: the file was closed`, { code: 'safetensors-closed' });
    const position = this.dataStart + entry.begin;
    const count = elementCount(entry.shape);
    if (entry.dtype === 'F32') {
      // Read straight into the result's memory: the tensor exists once, never as bytes plus floats.
      const out = new Float32Array(count);
      await readExactly(this.handle, new Uint8Array(out.buffer), position, this.path);
      return out;
    }
    const halves = new Uint16Array(count);
    await readExactly(this.handle, new Uint8Array(halves.buffer), position, this.path);
    return widen(entry.dtype, halves);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }
}
