// Buffered reading and writing of the scratch and split files a curation passes its records through.
// Reads are synchronous: they come from the page cache, and the loops that use them are CPU-bound.
// Writes go to the kernel from libuv's thread pool, so that the copying (seconds per gigabyte on some
// file systems) runs on another core while the caller goes on filling the next buffer.
import { Buffer } from 'node:buffer';
import { createHash, type Hash } from 'node:crypto';
import { close, closeSync, openSync, readSync, write } from 'node:fs';

const defaultBufferBytes = 1 << 22;
/** Bytes handed to the kernel and not yet written, past which `backlogged` asks the caller to wait. */
const maxPendingBytes = 1 << 23;

/**
 * Writes a file through 4 MB buffers, hashing it with sha256 on the way when asked. Full buffers are
 * written in the background at their own offsets; call `drain` when `backlogged` is true, and
 * `close` at the end, which reports the first write error, if any.
 */
export class ScratchWriter {
  private readonly fd: number;
  private readonly bufferBytes: number;
  private buffer: Buffer;
  private used = 0;
  /** Bytes handed to the kernel so far: the offset of the next write. */
  private written = 0;
  private pendingBytes = 0;
  private readonly pending = new Set<Promise<void>>();
  private readonly spare: Buffer[] = [];
  private failure: Error | undefined;
  private readonly hash: Hash | undefined;

  constructor(path: string, options: { sha256?: boolean; bufferBytes?: number } = {}) {
    this.fd = openSync(path, 'w');
    this.bufferBytes = options.bufferBytes ?? defaultBufferBytes;
    this.buffer = Buffer.allocUnsafeSlow(this.bufferBytes);
    this.hash = options.sha256 === true ? createHash('sha256') : undefined;
  }

  /** True when enough is waiting to be written that the caller should `await drain()` before writing more. */
  get backlogged(): boolean {
    return this.pendingBytes > maxPendingBytes;
  }

  /** Appends bytes. */
  write(bytes: Uint8Array): void {
    if (this.used + bytes.length > this.buffer.length) this.flush();
    if (bytes.length > this.buffer.length) {
      // Longer than a buffer: written from a copy of its own, since the caller may reuse `bytes`.
      this.output(Buffer.from(bytes));
      return;
    }
    this.buffer.set(bytes, this.used);
    this.used += bytes.length;
  }

  /** Appends a count and then that many 64-bit floats, a record `ScratchReader.nextFloats` reads back. */
  writeFloats(values: Float64Array): void {
    const bytes = 8 + values.byteLength;
    if (this.used + bytes > this.buffer.length) this.flush();
    if (bytes > this.buffer.length) {
      const whole = Buffer.allocUnsafeSlow(bytes);
      whole.writeDoubleLE(values.length, 0);
      whole.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), 8);
      this.output(whole);
      return;
    }
    this.buffer.writeDoubleLE(values.length, this.used);
    this.buffer.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), this.used + 8);
    this.used += bytes;
  }

  /** Waits until the bytes waiting to be written are under the limit again; throws the first write error. */
  async drain(): Promise<void> {
    while (this.pendingBytes > maxPendingBytes && this.pending.size > 0) await Promise.race(this.pending);
    if (this.failure !== undefined) throw this.failure;
  }

  /** Writes what is buffered, waits for every write and closes the file; returns its size and, when hashed, its sha256. */
  async close(): Promise<{ bytes: number; sha256: string | undefined }> {
    this.flush();
    await Promise.all(this.pending);
    await new Promise<void>((resolve, reject) => close(this.fd, (error) => (error ? reject(error) : resolve())));
    if (this.failure !== undefined) throw this.failure;
    return { bytes: this.written, sha256: this.hash?.digest('hex') };
  }

  /** After a failure elsewhere: waits for the writes under way (ignoring their errors) and closes the file, which is scratch. */
  async abandon(): Promise<void> {
    await Promise.allSettled(this.pending);
    closeSync(this.fd);
  }

  private flush(): void {
    if (this.used === 0) return;
    const full = this.buffer.subarray(0, this.used);
    this.buffer = this.spare.pop() ?? Buffer.allocUnsafeSlow(this.bufferBytes);
    this.used = 0;
    this.output(full, true);
  }

  /** Hashes `bytes` and writes them at the end of the file in the background; a buffer of ours goes back to the spares after. */
  private output(bytes: Buffer, ours = false): void {
    if (this.failure !== undefined) throw this.failure;
    this.hash?.update(bytes);
    const position = this.written;
    this.written += bytes.length;
    this.pendingBytes += bytes.length;
    const done = writeAll(this.fd, bytes, position).then(
      () => {
        if (ours && this.spare.length < 2) this.spare.push(Buffer.from(bytes.buffer, bytes.byteOffset, this.bufferBytes));
      },
      (error: Error) => {
        this.failure ??= error;
      },
    );
    const settled = done.finally(() => {
      this.pendingBytes -= bytes.length;
      this.pending.delete(settled);
    });
    this.pending.add(settled);
  }
}

/** Writes all of `bytes` at `position`, however many calls that takes. */
function writeAll(fd: number, bytes: Uint8Array, position: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const next = (offset: number) => {
      write(fd, bytes, offset, bytes.length - offset, position + offset, (error, count) => {
        if (error) reject(error);
        else if (offset + count < bytes.length) next(offset + count);
        else resolve();
      });
    };
    next(0);
  });
}

/** Reads back what a `ScratchWriter` wrote: lines, or counted runs of floats, through a buffer that grows for long ones. */
export class ScratchReader {
  private readonly fd: number;
  private buffer: Buffer;
  private start = 0;
  private end = 0;
  private done = false;

  constructor(path: string, bufferBytes = defaultBufferBytes) {
    this.fd = openSync(path, 'r');
    this.buffer = Buffer.allocUnsafeSlow(bufferBytes);
  }

  /** The next line, its line feed included, as a view valid until the next call; undefined at the end. */
  nextLine(): Buffer | undefined {
    for (;;) {
      const at = this.buffer.indexOf(0x0a, this.start);
      if (at !== -1 && at < this.end) {
        const line = this.buffer.subarray(this.start, at + 1);
        this.start = at + 1;
        return line;
      }
      if (!this.fill(this.end - this.start + 1)) {
        if (this.start === this.end) return undefined;
        const line = this.buffer.subarray(this.start, this.end);
        this.start = this.end;
        return line;
      }
    }
  }

  /** The next run of floats written by `writeFloats`, as a view valid until the next call; undefined at the end. */
  nextFloats(): Float64Array | undefined {
    if (this.end - this.start < 8 && !this.fill(8)) {
      if (this.end === this.start) return undefined;
      throw new Error(`scratch file ends inside the count of a run of values (${this.end - this.start} of its 8 bytes are there)`);
    }
    const count = this.buffer.readDoubleLE(this.start);
    const bytes = 8 + count * 8;
    if (this.end - this.start < bytes && !this.fill(bytes)) throw new Error(`scratch file ends inside a run of ${count} values`);
    const from = this.start + 8;
    this.start += bytes;
    // Reads keep runs 8-byte aligned within the buffer, so the view needs no copy.
    return new Float64Array(this.buffer.buffer, this.buffer.byteOffset + from, count);
  }

  /** Closes the file. */
  close(): void {
    closeSync(this.fd);
  }

  /** Reads until at least `bytes` are buffered past `start` (moving what is left to the front); false at the end of the file. */
  private fill(bytes: number): boolean {
    while (this.end - this.start < bytes) {
      if (this.done) return false;
      if (this.start > 0) {
        this.buffer.copy(this.buffer, 0, this.start, this.end);
        this.end -= this.start;
        this.start = 0;
      }
      if (bytes > this.buffer.length) {
        const grown = Buffer.allocUnsafeSlow(Math.max(bytes, this.buffer.length * 2));
        this.buffer.copy(grown, 0, 0, this.end);
        this.buffer = grown;
      }
      const read = readSync(this.fd, this.buffer, this.end, this.buffer.length - this.end, null);
      if (read === 0) this.done = true;
      this.end += read;
    }
    return true;
  }
}
