import type { LoraConfig } from '../config-schema.js';
import { ConfigError } from '../errors.js';
import type { ArtifactStore } from './artifact-store.js';
import { FileStore } from './file-store.js';
import { S3Store } from './s3-store.js';

/** Opens the store that `store.url` names: `file://PATH` (the embedded default) or `s3://BUCKET[/PREFIX]`. */
export function openStore(config: LoraConfig['store'], cwd: string = process.cwd()): ArtifactStore {
  const { url } = config;
  if (url.startsWith('file://')) return FileStore.fromUrl(url, cwd);
  if (url.startsWith('s3://')) {
    const rest = url.slice('s3://'.length);
    const slash = rest.indexOf('/');
    const bucket = slash === -1 ? rest : rest.slice(0, slash);
    const prefix = slash === -1 ? '' : rest.slice(slash + 1);
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
      throw new ConfigError(`config: "store.url" must name a valid S3 bucket (3-63 lowercase letters, digits, "." or "-"), got ${JSON.stringify(bucket)}`);
    }
    return new S3Store({
      bucket,
      prefix,
      endpoint: config.s3.endpoint,
      region: config.s3.region,
      forcePathStyle: config.s3.forcePathStyle,
      maxAttempts: config.s3.maxAttempts,
      partSizeBytes: config.s3.partSizeMiB * 1024 * 1024,
    });
  }
  throw new ConfigError(`config: "store.url" must start with file:// or s3://, got ${JSON.stringify(url)}`);
}
