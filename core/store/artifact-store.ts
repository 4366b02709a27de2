import type { Readable } from 'node:stream';

/** What the store knows of one object. */
export interface ObjectInfo {
  key: string;
  size: number;
  modifiedAt: Date;
}

/** A body to store: bytes in memory, or a stream for anything large. */
export type ObjectBody = Uint8Array | string | Readable;

/**
 * Where every artifact lives: datasets, adapters, reports, manifests.
 * Keys are relative, `/`-separated paths; see `assertValidKey` for what is refused.
 */
export interface ArtifactStore {
  /** The URL this store was opened from, such as `file:///srv/lora` or `s3://bucket/prefix`. */
  readonly url: string;
  /** Writes an object whole: readers see the old object or the new one, never a part. */
  put(key: string, body: ObjectBody): Promise<ObjectInfo>;
  /**
   * Writes a local file whole, like `put`. The file store moves it into place when it can (same
   * file system), which saves copying gigabytes, so the file is gone afterwards either way.
   */
  putFile(key: string, path: string): Promise<ObjectInfo>;
  /** Streams an object; throws a `StoreError` with code `not-found` when it is missing. */
  get(key: string): Promise<Readable>;
  /** The object's size and time, or undefined when it is missing. */
  head(key: string): Promise<ObjectInfo | undefined>;
  /** Every object whose key starts with `prefix`, in key order. */
  list(prefix: string): AsyncIterable<ObjectInfo>;
  /** Removes an object; removing a missing one is not an error. */
  delete(key: string): Promise<void>;
  /** Atomically writes a small JSON document. */
  writeJson(key: string, value: unknown): Promise<void>;
  /** Reads a JSON document, or undefined when it is missing. */
  readJson(key: string): Promise<unknown>;
  /** Releases connections. */
  close(): Promise<void>;
}
