// Splits a byte stream into numbered lines without ever holding more than one chunk and one line (up to the limit).
import { bytesOver } from './record-checks.js';

/** One physical line: its text, or only its size when it was longer than the limit and so never decoded. */
export type PhysicalLine = { line: number; text: string } | { line: number; bytes: number };

const lineFeed = 0x0a;
const carriageReturn = 0x0d;

/**
 * Watches the first bytes of a stream for a UTF-8 byte order mark: line 1 is measured without it,
 * also while it is still arriving in pieces.
 */
export class ByteOrderMark {
  private head = Buffer.alloc(0);

  /** Notes a chunk; only the first three bytes of the stream matter. */
  see(chunk: Buffer): void {
    if (this.head.length < 3) this.head = Buffer.concat([this.head, chunk.subarray(0, 3 - this.head.length)]);
  }

  /** Bytes of line `line` that are the mark: 3 for line 1 of a stream that starts with one, else 0. */
  bytesIn(line: number): number {
    return line === 1 && this.head.length === 3 && this.head[0] === 0xef && this.head[1] === 0xbb && this.head[2] === 0xbf ? 3 : 0;
  }
}

/**
 * Line `line` of a file from its decoded text: a trailing CR dropped, a BOM dropped from line 1,
 * and only the size kept when it is over `maxLineBytes`.
 */
export function physicalLine(text: string, line: number, maxLineBytes: number): PhysicalLine {
  const content = text.charCodeAt(text.length - 1) === carriageReturn ? text.slice(0, -1) : text;
  const unmarked = line === 1 && content.charCodeAt(0) === 0xfeff ? content.slice(1) : content;
  const bytes = bytesOver(unmarked, maxLineBytes);
  return bytes === undefined ? { line, text: unmarked } : { line, bytes };
}

/**
 * Yields the lines of `input` in batches, one batch per chunk, numbered from 1, decoded as UTF-8
 * (invalid bytes become U+FFFD). Handles LF and CRLF and a leading BOM. A line over `maxLineBytes`
 * (not counting its line break) is reported by size only; one that spans chunks is dropped as it streams by.
 */
export async function* splitLines(input: AsyncIterable<Buffer | string>, maxLineBytes: number): AsyncGenerator<PhysicalLine[]> {
  // The bytes of a line that spans chunks; emptied as soon as it is known to be too long.
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let pendingLastByte = -1;
  let line = 1;

  const physical = (text: string): PhysicalLine => physicalLine(text, line++, maxLineBytes);

  /** Ends the line that began in earlier chunks with `head`, the bytes of this chunk before its first line feed. */
  const finishPending = (head: Buffer): PhysicalLine => {
    const bytes = pendingBytes + head.length - mark.bytesIn(line);
    const last = head.length > 0 ? head[head.length - 1] : pendingLastByte;
    const contentBytes = last === carriageReturn ? bytes - 1 : bytes;
    const result = contentBytes > maxLineBytes ? { line: line++, bytes: contentBytes } : physical(Buffer.concat([...pending, head]).toString('utf8'));
    pending = [];
    pendingBytes = 0;
    return result;
  };

  const mark = new ByteOrderMark();
  for await (const chunk of input) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    mark.see(buffer);
    const batch: PhysicalLine[] = [];
    let start = 0;
    if (pendingBytes > 0) {
      const first = buffer.indexOf(lineFeed);
      // Without a line feed the whole chunk extends the pending line, below.
      if (first !== -1) {
        batch.push(finishPending(buffer.subarray(0, first)));
        start = first + 1;
      }
    }
    const lastFeed = buffer.lastIndexOf(lineFeed);
    if (lastFeed >= start) {
      // One decode per chunk: a line feed byte never sits inside a multi-byte sequence, so this matches per-line decoding.
      const text = buffer.toString('utf8', start, lastFeed);
      let from = 0;
      for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', from)) {
        batch.push(physical(text.slice(from, end)));
        from = end + 1;
      }
      batch.push(physical(text.slice(from)));
      start = lastFeed + 1;
    }
    if (start < buffer.length) {
      const rest = buffer.subarray(start);
      pendingBytes += rest.length;
      pendingLastByte = rest[rest.length - 1]!;
      // One byte of slack for a CR that may turn out to end the line, and three for a byte order mark.
      if (pendingBytes > maxLineBytes + 1 + mark.bytesIn(line)) pending = [];
      else pending.push(Buffer.from(rest));
    }
    if (batch.length > 0) yield batch;
  }
  if (pendingBytes > 0) yield [finishPending(Buffer.alloc(0))];
}
