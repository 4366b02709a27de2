import { Buffer } from 'node:buffer';

/**
 * A text lowercased into UTF-16 code units in a reusable typed array: what the MinHash signer and
 * the n-gram hasher both read, so that each text is lowercased and copied once. The copy is one
 * UTF-16 `Buffer.write`, and indexing a typed array is cheaper in V8 than `charCodeAt`.
 */
export class LowercaseUnits {
  units = new Uint16Array(1024);
  length = 0;
  private bytes = Buffer.from(this.units.buffer);

  /** Replaces the content with `text` lowercased (by `toLowerCase`, so the length may change). */
  load(text: string): this {
    const lower = text.toLowerCase();
    if (this.units.length < lower.length) {
      this.units = new Uint16Array(lower.length * 2);
      this.bytes = Buffer.from(this.units.buffer);
    }
    this.bytes.write(lower, 0, 'utf16le');
    this.length = lower.length;
    return this;
  }
}
