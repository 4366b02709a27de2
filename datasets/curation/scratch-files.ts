// Synchronous, buffered reading and writing of the scratch files a curation passes its records
// through. Sync calls on a local file cost less than streams here, and the loops that use them are CPU-bound anyway.
import { Buffer } from 'node:buffer';
import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, readSync, writeSync } from 'node:fs';

const defaultBufferBytes = 1 << 22;

/** Writes a file through a 4 MB buffer, hashing it with sha256 on the way when asked. */
export class ScratchWriter {
  private readonly fd: number;
  private readonly buffer: Buffer;
  private used = 0;
  private written = 0;
  private readonly hash: Hash | undefined;
  private readonly count = new Float64Array(1);
  private readonly countBytes = new Uint8Array(this.count.buffer);

  constructor(path: string, options: { sha256?: boolean; bufferBytes?: number } = {}) {
    this.fd = openSync(path, 'w');
    this.buffer = Buffer.allocUnsafeSlow(options.bufferBytes ?? defaultBufferBytes);
    this.hash = options.sha256 === true ? createHash('sha256') : undefined;
  }

  /** Appends bytes. */
  write(bytes: Uint8Array): void {
    if (this.used + bytes.length > this.buffer.length) this.flush();
    if (bytes.length > this.buffer.length) {
      this.output(bytes);
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
      this.count[0] = values.length;
      this.output(this.countBytes);
      this.output(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
      return;
    }
    this.buffer.writeDoubleLE(values.length, this.used);
    this.buffer.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength), this.used + 8);
    this.used += bytes;
  }

  /** Flushes and closes the file; returns its size and, when hashed, its sha256. */
  close(): { bytes: number; sha256: string | undefined } {
    this.flush();
    closeSync(this.fd);
    return { bytes: this.written, sha256: this.hash?.digest('hex') };
  }

  private flush(): void {
    if (this.used === 0) return;
    this.output(this.buffer.subarray(0, this.used));
    this.used = 0;
  }

  private output(bytes: Uint8Array): void {
    this.hash?.update(bytes);
    for (let offset = 0; offset < bytes.length; ) offset += writeSync(this.fd, bytes, offset, bytes.length - offset);
    this.written += bytes.length;
  }
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
    if (this.end - this.start < 8 && !this.fill(8)) return undefined;
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
