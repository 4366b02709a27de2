import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, type FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { InputError, LoraError } from '../../../core/index.js';
import { elementCount, metadataKey, supportedDtypes, type Float32Tensor } from './safetensors-header.js';

/** A laid-out file: the length prefix and padded header bytes, then the tensors in the order their bytes follow. */
interface Layout {
  head: Uint8Array;
  order: [string, Float32Tensor][];
  dataLength: number;
}

function byName([left]: [string, Float32Tensor], [right]: [string, Float32Tensor]): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

/** Checks the tensors and builds the header; tensors are sorted by name, the header padded with spaces to 8 bytes. */
function layout(tensors: ReadonlyMap<string, Float32Tensor>, metadata: Record<string, string> | undefined, subject: string): Layout {
  if (endianness() !== 'LE') {
    throw new LoraError(`cannot write ${subject}: safetensors data is little-endian and this host is big-endian`, { code: 'host-unsupported' });
  }
  const order = [...tensors.entries()].sort(byName);
  const header: Record<string, unknown> = {};
  if (metadata !== undefined && Object.keys(metadata).length > 0) header[metadataKey] = metadata;
  let position = 0;
  for (const [name, { shape, data }] of order) {
    if (name === metadataKey) throw new InputError(`${subject}: "${metadataKey}" is reserved for metadata and cannot name a tensor`, { code: 'tensor-name-invalid' });
    if (!shape.every((size) => Number.isInteger(size) && size >= 0)) {
      throw new InputError(`${subject}: tensor "${name}" has shape [${shape.join(', ')}]; every dimension must be a non-negative integer`, { code: 'tensor-shape-invalid' });
    }
    if (elementCount(shape) !== data.length) {
      throw new InputError(`${subject}: tensor "${name}" has shape [${shape.join(', ')}], which holds ${elementCount(shape)} values, but its data holds ${data.length}`, {
        code: 'tensor-shape-invalid',
      });
    }
    const end = position + data.length * supportedDtypes.F32;
    header[name] = { dtype: 'F32', shape, data_offsets: [position, end] };
    position = end;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  const head = new Uint8Array(8 + padded).fill(0x20);
  new DataView(head.buffer).setBigUint64(0, BigInt(padded), true);
  head.set(json, 8);
  return { head, order, dataLength: position };
}

function bytesOf(data: Float32Array): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Appends bytes, looping over short writes. */
async function writeAll(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += (await handle.write(bytes, written, bytes.length - written)).bytesWritten;
}

/**
 * Encodes tensors as an in-memory float32 safetensors file; for small tensors (tests, adapters).
 * @example await store.put('adapters/a/adapter_model.safetensors', encodeSafetensors(tensors))
 */
export function encodeSafetensors(tensors: ReadonlyMap<string, Float32Tensor>, metadata?: Record<string, string>): Uint8Array {
  const { head, order, dataLength } = layout(tensors, metadata, 'safetensors encoding');
  const out = new Uint8Array(head.length + dataLength);
  out.set(head, 0);
  let position = head.length;
  for (const [, { data }] of order) {
    out.set(bytesOf(data), position);
    position += data.byteLength;
  }
  return out;
}

/**
 * Writes tensors as a float32 safetensors file, one tensor at a time, to a scratch file renamed into place,
 * so that readers never see a partial file.
 * @example await writeSafetensors('out/model.safetensors', new Map([['w', { shape: [2], data: new Float32Array([1, 2]) }]]))
 */
export async function writeSafetensors(path: string, tensors: ReadonlyMap<string, Float32Tensor>, metadata?: Record<string, string>): Promise<void> {
  const { head, order } = layout(tensors, metadata, path);
  await mkdir(dirname(path), { recursive: true });
  const scratch = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.partial`);
  try {
    const handle = await open(scratch, 'wx');
    try {
      await writeAll(handle, head);
      for (const [, { data }] of order) await writeAll(handle, bytesOf(data));
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(scratch, path);
  } catch (error) {
    await rm(scratch, { force: true });
    throw error;
  }
}
