import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Readable } from 'node:stream';
import type { LoraConfig } from '../config-schema.js';
import { InputError } from '../errors.js';
import type { ArtifactStore } from './artifact-store.js';
import { S3Store } from './s3-store.js';
import { StoreError } from './store-error.js';

/** An input opened for reading: its stream and, when known, its size. */
export interface OpenedSource {
  stream: Readable;
  bytes?: number;
}

/** Opens an input named by URI: `store:KEY`, `s3://BUCKET/KEY` or a local path. */
export type SourceOpener = (uri: string) => Promise<OpenedSource>;

/**
 * A `SourceOpener` for `store:KEY` (the artifact store), `s3://BUCKET/KEY` (any bucket, with the
 * configured S3 endpoint and credentials) and local paths (relative to `cwd`). Missing inputs are
 * input errors that name the URI.
 */
export function createSourceOpener(store: ArtifactStore, s3: LoraConfig['store']['s3'], cwd: string = process.cwd()): SourceOpener {
  const missing = (uri: string) => new InputError(`input ${uri} does not exist`, { code: 'source-missing' });
  return async (uri) => {
    if (uri.startsWith('store:')) {
      const key = uri.slice('store:'.length);
      const info = await store.head(key);
      if (info === undefined) throw missing(`${uri} (in ${store.url})`);
      return { stream: await store.get(key), bytes: info.size };
    }
    if (uri.startsWith('s3://')) {
      const rest = uri.slice('s3://'.length);
      const slash = rest.indexOf('/');
      if (slash <= 0 || slash === rest.length - 1) throw new InputError(`input ${uri} must be s3://BUCKET/KEY`, { code: 'source-invalid' });
      const bucket = new S3Store({ bucket: rest.slice(0, slash), endpoint: s3.endpoint, region: s3.region, forcePathStyle: s3.forcePathStyle, maxAttempts: s3.maxAttempts, partSizeBytes: s3.partSizeMiB * 2 ** 20 });
      const key = rest.slice(slash + 1);
      try {
        const info = await bucket.head(key);
        if (info === undefined) throw missing(uri);
        return { stream: await bucket.get(key), bytes: info.size };
      } catch (error) {
        if (error instanceof StoreError && error.code === 'not-found') throw missing(uri);
        throw error;
      }
    }
    const path = resolve(cwd, uri);
    const info = await stat(path).catch(() => undefined);
    if (info === undefined || !info.isFile()) throw missing(`${uri} (looked at ${path})`);
    // 1 MB reads: the reader runs ahead of a consumer that works in 1 MB blocks instead of stalling on 64 KB ones.
    return { stream: createReadStream(path, { highWaterMark: 1 << 20 }), bytes: info.size };
  };
}
