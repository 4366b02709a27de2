// Cuts a byte stream into blocks of whole lines, so that workers can parse blocks in parallel while
// the lines keep their numbers. Memory stays bounded by a block and one line up to the limit.
import { Buffer } from 'node:buffer';
import { ByteOrderMark, physicalLine, type PhysicalLine } from './split-lines.js';

const lineFeed = 0x0a;
const carriageReturn = 0x0d;

/**
 * A piece of a line-based file: a block of whole lines starting at line `firstLine` (the last may lack
 * its line feed at the end of the file), or a line over the byte limit, known only by its size.
 */
export type LineBlock = { kind: 'block'; bytes: Uint8Array; firstLine: number; lines: number } | { kind: 'overlong'; line: number; bytes: number };

/** Counts the line feeds of `bytes`. */
function lineFeeds(bytes: Uint8Array): number {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let count = 0;
  for (let at = buffer.indexOf(lineFeed); at !== -1; at = buffer.indexOf(lineFeed, at + 1)) count += 1;
  return count;
}

/** Copies `parts` (up to `length` bytes) into one new ArrayBuffer of its own, which can be transferred to a worker. */
function gather(parts: readonly Buffer[], length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let offset = 0;
  for (const part of parts) {
    if (offset >= length) break;
    const take = Math.min(part.length, length - offset);
    bytes.set(take === part.length ? part : part.subarray(0, take), offset);
    offset += take;
  }
  return bytes;
}

/**
 * Yields blocks of about `blockBytes` (more when one line is longer), each ending at a line feed but
 * the last, in file order. A line longer than `maxLineBytes` (without its line break) is yielded as
 * `overlong` and its bytes are dropped as they stream by, as `splitLines` does.
 */
export async function* lineBlocks(input: AsyncIterable<Buffer | string>, options: { blockBytes: number; maxLineBytes: number }): AsyncGenerator<LineBlock> {
  const { blockBytes, maxLineBytes } = options;
  let parts: Buffer[] = [];
  let total = 0;
  // Bytes after the last line feed held: the line in progress.
  let tail = 0;
  let line = 1;
  // An overlong line being skipped: its number, size so far and last byte (a CR there is not content).
  let skipping: { line: number; bytes: number; lastByte: number } | undefined;
  const mark = new ByteOrderMark();

  const cut = (length: number): LineBlock | undefined => {
    if (length === 0) return undefined;
    const bytes = gather(parts, length);
    const lines = lineFeeds(bytes) + (bytes[length - 1] === lineFeed ? 0 : 1);
    const block: LineBlock = { kind: 'block', bytes, firstLine: line, lines };
    line += lines;
    return block;
  };

  for await (const chunk of input) {
    let buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    mark.see(buffer);
    if (skipping !== undefined) {
      const end = buffer.indexOf(lineFeed);
      if (end === -1) {
        skipping.bytes += buffer.length;
        if (buffer.length > 0) skipping.lastByte = buffer[buffer.length - 1]!;
        continue;
      }
      const bytes = skipping.bytes + end - mark.bytesIn(skipping.line);
      const lastByte = end > 0 ? buffer[end - 1]! : skipping.lastByte;
      yield { kind: 'overlong', line: skipping.line, bytes: lastByte === carriageReturn ? bytes - 1 : bytes };
      line = skipping.line + 1;
      skipping = undefined;
      buffer = buffer.subarray(end + 1);
    }
    if (buffer.length === 0) continue;
    parts.push(buffer);
    total += buffer.length;
    const lastFeed = buffer.lastIndexOf(lineFeed);
    tail = lastFeed === -1 ? tail + buffer.length : buffer.length - lastFeed - 1;
    // One byte of slack for a CR that may turn out to end the line, and three for a byte order mark:
    // the tail is line 1 while no block was cut and all that is held is the tail.
    if (tail > maxLineBytes + 1 + mark.bytesIn(total === tail ? line : 0)) {
      const block = cut(total - tail);
      if (block !== undefined) yield block;
      let lastByte = -1;
      for (let index = parts.length - 1; index >= 0 && lastByte === -1; index -= 1) if (parts[index]!.length > 0) lastByte = parts[index]![parts[index]!.length - 1]!;
      skipping = { line, bytes: tail, lastByte };
      parts = [];
      total = 0;
      tail = 0;
      continue;
    }
    if (total - tail >= blockBytes) {
      const block = cut(total - tail);
      parts = tail === 0 ? [] : [gatherTail(parts, tail)];
      total = tail;
      if (block !== undefined) yield block;
    }
  }
  if (skipping !== undefined) {
    const { lastByte } = skipping;
    const bytes = skipping.bytes - mark.bytesIn(skipping.line);
    yield { kind: 'overlong', line: skipping.line, bytes: lastByte === carriageReturn ? bytes - 1 : bytes };
    return;
  }
  const block = cut(total);
  if (block !== undefined) yield block;
}

/** The last `tail` bytes of `parts`, copied, so that the chunks they came from can be let go. */
function gatherTail(parts: readonly Buffer[], tail: number): Buffer {
  const bytes = Buffer.allocUnsafe(tail);
  let end = tail;
  for (let index = parts.length - 1; index >= 0 && end > 0; index -= 1) {
    const part = parts[index]!;
    const take = Math.min(part.length, end);
    bytes.set(part.subarray(part.length - take), end - take);
    end -= take;
  }
  return bytes;
}

/**
 * Calls `visit` with each line of a block from `lineBlocks`, numbered from `firstLine`, decoded as
 * UTF-8 (invalid bytes become U+FFFD), with the same treatment of CR, BOM and long lines as `splitLines`.
 */
export function forEachLine(bytes: Uint8Array, firstLine: number, maxLineBytes: number, visit: (line: PhysicalLine) => void): void {
  if (bytes.length === 0) return;
  const end = bytes[bytes.length - 1] === lineFeed ? bytes.length - 1 : bytes.length;
  // One decode per block: a line feed byte never sits inside a multi-byte sequence, so this matches per-line decoding.
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, end).toString('utf8');
  let line = firstLine;
  let from = 0;
  for (let at = text.indexOf('\n'); at !== -1; at = text.indexOf('\n', from)) {
    visit(physicalLine(text.slice(from, at), line, maxLineBytes));
    line += 1;
    from = at + 1;
  }
  visit(physicalLine(text.slice(from), line, maxLineBytes));
}
