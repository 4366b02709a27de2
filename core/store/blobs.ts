import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
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
    return storeOnce(store, { key: blobKey(sha256), sha256, size: bytes.byteLength }, () => bytes);
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
    return await storeOnce(store, { key: blobKey(sha256), sha256, size }, () => createReadStream(scratch));
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
  const existing = await store.head(ref.key);
  if (existing === undefined || existing.size !== ref.size) await store.putFile(ref.key, path);
  else await rm(path, { force: true });
  return ref;
}

async function storeOnce(store: ArtifactStore, ref: BlobRef, body: () => ObjectBody): Promise<BlobRef> {
  const existing = await store.head(ref.key);
  if (existing === undefined || existing.size !== ref.size) await store.put(ref.key, body());
  return ref;
}
