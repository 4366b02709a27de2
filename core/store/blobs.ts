import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ArtifactStore, ObjectBody } from './artifact-store.js';

/** A content-addressed object: its key is derived from its sha256. */
export interface BlobRef {
  key: string;
  sha256: string;
  size: number;
}

/** The key under which content with this sha256 is stored. */
export function blobKey(sha256: string): string {
  return `blobs/sha256/${sha256.slice(0, 2)}/${sha256}`;
}

/**
 * Stores a large object under its sha256, once: the same bytes always get the same key and
 * are not uploaded again. Streams are spooled to a local scratch file while hashed, so the
 * key is known before anything reaches the store and no half-written blob is ever visible.
 */
export async function putBlob(store: ArtifactStore, body: ObjectBody): Promise<BlobRef> {
  if (!(body instanceof Readable)) {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const ref = { key: blobKey(sha256), sha256, size: bytes.byteLength };
    return storeOnce(store, ref, () => store.put(ref.key, bytes));
  }
  const folder = await mkdtemp(join(tmpdir(), 'lora-blob-'));
  const scratch = join(folder, randomBytes(8).toString('hex'));
  try {
    const hash = createHash('sha256');
    const hasher = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        hash.update(chunk);
        callback(null, chunk);
      },
    });
    await pipeline(body, hasher, createWriteStream(scratch));
    const sha256 = hash.digest('hex');
    const { size } = await stat(scratch);
    const ref = { key: blobKey(sha256), sha256, size };
    return await storeOnce(store, ref, () => store.putFile(ref.key, scratch));
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/**
 * Stores a local file as a blob whose sha256 and size are already known (hashed while it was
 * written): the file store moves it into place without reading it again. The file is gone afterwards.
 */
export async function putFileBlob(store: ArtifactStore, path: string, known: { sha256: string; size: number }): Promise<BlobRef> {
  const ref = { key: blobKey(known.sha256), ...known };
  try {
    return await storeOnce(store, ref, () => store.putFile(ref.key, path));
  } finally {
    // Already stored under its hash: the file is not needed either.
    await rm(path, { force: true });
  }
}

/** Writes a blob with `write` unless an object of its size is already under its key. */
async function storeOnce(store: ArtifactStore, ref: BlobRef, write: () => Promise<unknown>): Promise<BlobRef> {
  const existing = await store.head(ref.key);
  if (existing === undefined || existing.size !== ref.size) await write();
  return ref;
}
