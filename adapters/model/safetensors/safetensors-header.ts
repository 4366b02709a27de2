import { z } from 'zod';
import { fromZodIssues, InputError } from '../../../core/index.js';

/** Bytes per element of the dtypes this runtime reads; every tensor is widened to float32 on read. */
export const supportedDtypes = { F32: 4, F16: 2, BF16: 2 } as const;

export type SafetensorsDtype = keyof typeof supportedDtypes;

/** A tensor held in memory as float32, in row-major order. */
export interface Float32Tensor {
  shape: number[];
  data: Float32Array;
}

/** What the header says of one tensor: its dtype, its shape and where its bytes lie after the header. */
export interface TensorEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  /** Byte offset of the first byte, relative to the start of the data section. */
  begin: number;
  /** Byte offset one past the last byte, relative to the start of the data section. */
  end: number;
}

/** A validated header: the tensors by name, the free-form metadata and how long the data section must be. */
export interface SafetensorsHeader {
  metadata: Record<string, string>;
  tensors: Map<string, TensorEntry>;
  dataLength: number;
}

/** The key under which a header keeps its free-form string metadata instead of a tensor. */
export const metadataKey = '__metadata__';

/** Headers larger than this are refused before they are read, as the reference implementation does. */
export const maxHeaderLength = 100 * 1024 * 1024;

const offset = z.number().int().nonnegative();

/** One tensor's entry in the header JSON. */
export const tensorEntrySchema = z.object({
  dtype: z.string(),
  shape: z.array(offset),
  data_offsets: z.tuple([offset, offset]),
});

/** The header JSON: tensor entries by name, plus optional string metadata under `__metadata__`. */
export const safetensorsHeaderSchema = z
  .object({ [metadataKey]: z.record(z.string(), z.string()).optional() })
  .catchall(tensorEntrySchema);

/** Number of elements of a shape; a scalar (empty shape) holds one. */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((product, size) => product * size, 1);
}

function headerError(subject: string, message: string, code = 'safetensors-invalid'): InputError {
  return new InputError(`${subject}: ${message}`, { code });
}

function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/**
 * Validates a parsed safetensors header: supported dtypes, byte ranges that match shape × dtype size,
 * and a data section packed without gaps or overlaps from offset 0. `subject` names the file in messages.
 * @example parseSafetensorsHeader(JSON.parse(text), 'model.safetensors').dataLength
 */
export function parseSafetensorsHeader(raw: unknown, subject: string): SafetensorsHeader {
  const parsed = safetensorsHeaderSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = fromZodIssues(parsed.error.issues, raw);
    const lines = issues.map((issue) => `  "${issue.path}" ${issue.message}`).join('\n');
    throw new InputError(`${subject} has a malformed safetensors header; re-export the file with a safetensors library:\n${lines}`, {
      code: 'safetensors-invalid',
      issues,
    });
  }
  const tensors = new Map<string, TensorEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed.data)) {
    if (name === metadataKey) {
      metadata = value as Record<string, string>;
      continue;
    }
    tensors.set(name, checkedEntry(name, value as z.infer<typeof tensorEntrySchema>, subject));
  }
  return { metadata, tensors, dataLength: checkContiguous(tensors, subject) };
}

function checkedEntry(name: string, entry: z.infer<typeof tensorEntrySchema>, subject: string): TensorEntry {
  const { dtype, shape, data_offsets: [begin, end] } = entry;
  if (!(dtype in supportedDtypes)) {
    throw headerError(
      subject,
      `tensor "${name}" has unsupported dtype "${dtype}"; supported dtypes: ${Object.keys(supportedDtypes).join(', ')}. Convert the checkpoint to float32, float16 or bfloat16`,
      'safetensors-dtype-unsupported',
    );
  }
  const size = supportedDtypes[dtype as SafetensorsDtype];
  const expected = elementCount(shape) * size;
  if (end < begin || end - begin !== expected) {
    throw headerError(
      subject,
      `tensor "${name}" (${dtype} ${formatShape(shape)}) must span ${expected} bytes, but its data_offsets [${begin}, ${end}] span ${end - begin}`,
    );
  }
  return { dtype: dtype as SafetensorsDtype, shape, begin, end };
}

/** The data section must be covered exactly once, in order; returns its length. */
function checkContiguous(tensors: Map<string, TensorEntry>, subject: string): number {
  const ordered = [...tensors.entries()].sort(([, left], [, right]) => left.begin - right.begin || left.end - right.end);
  let position = 0;
  for (const [name, entry] of ordered) {
    if (entry.begin !== position) {
      const problem = entry.begin > position ? `leaves a gap of ${entry.begin - position} bytes` : `overlaps the previous tensor by ${position - entry.begin} bytes`;
      throw headerError(subject, `tensor "${name}" starts at data offset ${entry.begin} but the previous tensor ends at ${position}; the header ${problem}`);
    }
    position = entry.end;
  }
  return position;
}
