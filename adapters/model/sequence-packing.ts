import type { DecoderBatch } from './llama-decoder.js';

/** A tokenised training example: `lossMask[i]` is 1 where token i is one the model should learn to write. */
export interface TokenizedExample {
  tokens: number[];
  lossMask: Uint8Array;
}

/** One packed row of a training batch. */
export interface PackedRow {
  tokens: Int32Array;
  positions: Int32Array;
  /** 1-based example number inside the row; 0 marks padding. */
  segments: Int32Array;
  /** Position i learns to predict `targets[i]` where `weights[i]` is 1. */
  targets: Int32Array;
  weights: Float32Array;
}

/**
 * Packs examples into rows of `length` tokens, first fit in the given order. Each example keeps its
 * own positions (starting at 0) and segment number, so that with the segment mask no example ever
 * attends to another. Examples longer than a row are cut to `length`.
 */
export function packExamples(examples: readonly TokenizedExample[], length: number, padTokenId: number, pack = true): PackedRow[] {
  const rows: PackedRow[] = [];
  let current: PackedRow | undefined;
  let used = 0;
  let segment = 0;
  for (const example of examples) {
    const size = Math.min(example.tokens.length, length);
    if (current === undefined || !pack || used + size > length) {
      current = emptyRow(length, padTokenId);
      rows.push(current);
      used = 0;
      segment = 0;
    }
    segment += 1;
    for (let index = 0; index < size; index += 1) {
      const at = used + index;
      current.tokens[at] = example.tokens[index] as number;
      current.positions[at] = index;
      current.segments[at] = segment;
      // The token at index + 1 is the target of position index; the last token of an example has none.
      if (index + 1 < size && example.lossMask[index + 1] === 1) {
        current.targets[at] = example.tokens[index + 1] as number;
        current.weights[at] = 1;
      }
    }
    used += size;
  }
  return rows;
}

function emptyRow(length: number, padTokenId: number): PackedRow {
  return {
    tokens: new Int32Array(length).fill(padTokenId),
    positions: new Int32Array(length),
    segments: new Int32Array(length),
    targets: new Int32Array(length),
    weights: new Float32Array(length),
  };
}

/** Stacks packed rows into one decoder batch with its targets and loss weights. */
export function stackRows(rows: readonly PackedRow[]): { batch: DecoderBatch; targets: Int32Array; weights: Float32Array } {
  const length = rows[0]?.tokens.length ?? 0;
  const count = rows.length;
  const tokenIds = new Int32Array(count * length);
  const positions = new Int32Array(count * length);
  const segmentIds = new Int32Array(count * length);
  const keyMask = new Uint8Array(count * length);
  const targets = new Int32Array(count * length);
  const weights = new Float32Array(count * length);
  rows.forEach((row, index) => {
    const offset = index * length;
    tokenIds.set(row.tokens, offset);
    positions.set(row.positions, offset);
    segmentIds.set(row.segments, offset);
    targets.set(row.targets, offset);
    weights.set(row.weights, offset);
    for (let column = 0; column < length; column += 1) keyMask[offset + column] = row.segments[column] === 0 ? 0 : 1;
  });
  return { batch: { tokenIds, batch: count, length, positions, keyMask, segmentIds }, targets, weights };
}
