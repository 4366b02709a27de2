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

/**
 * Reads back what a `ScratchWriter` wrote, record by record, where the caller knows each record's
 * size (kept lines' byte lengths, probe counts): `take` hands out offsets into one buffer, so that a
 * million records cost no million views, and runs of records next to each other can be copied at once.
 */
export class ScratchReader {
  private readonly fd: number;
  private bytes: Buffer;
  private start = 0;
  private end = 0;
  private done = false;
  /** Bytes handed out by `take` so far: where in the file the next record starts. */
  private position = 0;

  constructor(path: string, bufferBytes = defaultBufferBytes) {
    this.fd = openSync(path, 'r');
    this.bytes = Buffer.allocUnsafeSlow(bufferBytes);
  }

  /** The buffer that `take`'s offsets point into; a `take` that has to read may replace it or move its content. */
  get buffer(): Buffer {
    return this.bytes;
  }

  /** Bytes buffered and not taken yet: a `take` of at most this many keeps earlier offsets valid. */
  get buffered(): number {
    return this.end - this.start;
  }

  /**
   * The offset in `buffer` of the next `bytes` bytes of the file, reading more when fewer are
   * buffered. When every take is a multiple of 8 bytes, offsets stay 8-byte aligned, as a
   * Float64Array view needs. Throws when the file ends first.
   */
  take(bytes: number): number {
    if (this.end - this.start < bytes && !this.fill(bytes)) {
      throw new Error(`scratch file ends ${bytes - (this.end - this.start)} bytes short of a record of ${bytes} bytes at byte ${this.position}`);
    }
    const at = this.start;
    this.start += bytes;
    this.position += bytes;
    return at;
  }

  /** The next `count` 64-bit floats, as a view valid until the next `take`. */
  floats(count: number): Float64Array {
    const at = this.take(count * 8);
    return new Float64Array(this.bytes.buffer, this.bytes.byteOffset + at, count);
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
        this.bytes.copy(this.bytes, 0, this.start, this.end);
        this.end -= this.start;
        this.start = 0;
      }
      if (bytes > this.bytes.length) {
        const grown = Buffer.allocUnsafeSlow(Math.max(bytes, this.bytes.length * 2));
        this.bytes.copy(grown, 0, 0, this.end);
        this.bytes = grown;
      }
      const read = readSync(this.fd, this.bytes, this.end, this.bytes.length - this.end, null);
      if (read === 0) this.done = true;
      this.end += read;
    }
    return true;
  }
}
