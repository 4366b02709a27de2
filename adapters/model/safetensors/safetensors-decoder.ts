import { InputError } from '../../../core/index.js';
import { parseSafetensorsHeader, type Float32Tensor } from './safetensors-header.js';

/**
 * Decodes a small F32 safetensors file held in memory (adapters, checkpoints, optimizer state);
 * model weights go through `openSafetensors`, which reads tensor by tensor from disk.
 */
export function decodeSafetensors(bytes: Uint8Array, subject: string): { tensors: Map<string, Float32Tensor>; metadata: Record<string, string> } {
  if (bytes.byteLength < 8) throw new InputError(`${subject} is ${bytes.byteLength} bytes long, shorter than a safetensors header`, { code: 'safetensors-truncated' });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (8 + headerLength > bytes.byteLength) {
    throw new InputError(`${subject} declares a ${headerLength}-byte header but holds ${bytes.byteLength} bytes`, { code: 'safetensors-invalid' });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength)));
  } catch (error) {
    throw new InputError(`${subject} has a header that is not UTF-8 JSON: ${(error as Error).message}`, { code: 'safetensors-invalid' });
  }
  const header = parseSafetensorsHeader(raw, subject);
  const dataStart = 8 + headerLength;
  if (dataStart + header.dataLength > bytes.byteLength) {
    throw new InputError(`${subject} is ${bytes.byteLength} bytes long but its header needs ${dataStart + header.dataLength}; the file is truncated`, { code: 'safetensors-truncated' });
  }
  const tensors = new Map<string, Float32Tensor>();
  for (const [name, entry] of header.tensors) {
    if (entry.dtype !== 'F32') throw new InputError(`${subject}: tensor "${name}" is ${entry.dtype}; in-memory decoding reads F32 only`, { code: 'safetensors-dtype-unsupported' });
    const copy = bytes.slice(dataStart + entry.begin, dataStart + entry.end);
    tensors.set(name, { shape: entry.shape, data: new Float32Array(copy.buffer, copy.byteOffset, copy.byteLength / 4) });
  }
  return { tensors, metadata: header.metadata };
}
