import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  paginateListObjectsV2,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import type { ArtifactStore, ObjectBody, ObjectInfo } from './artifact-store.js';
import { StoreError } from './store-error.js';
import { assertValidKey, assertValidPrefix } from './store-keys.js';
import { readAll } from '../streams.js';

/** How to reach an S3 bucket; credentials come from the AWS chain unless given. */
export interface S3StoreOptions {
  bucket: string;
  prefix?: string;
  endpoint?: string;
  region: string;
  forcePathStyle: boolean;
  maxAttempts: number;
  /** Multipart part size; streams larger than one part are uploaded in parts. */
  partSizeBytes: number;
  /** Keys per listing page (1000 in S3); smaller values exercise paging. */
  listPageSize?: number;
  credentials?: S3ClientConfig['credentials'];
}

const transientNetworkCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'TimeoutError']);

interface AwsLikeError {
  name?: string;
  code?: string;
  message?: string;
  $retryable?: unknown;
  $metadata?: { httpStatusCode?: number };
}

/** Maps an AWS SDK error (after the SDK's own retries) to a store error; one worth retrying names the endpoint that failed. */
function storeErrorFrom(error: unknown, action: string, key: string, bucket: string, endpoint: string | undefined): StoreError {
  const aws = error as AwsLikeError;
  const status = aws.$metadata?.httpStatusCode;
  const name = aws.name ?? aws.code ?? 'Error';
  const subject = `${action} s3://${bucket}/${key}`;
  if (name === 'NoSuchKey' || name === 'NotFound' || (status === 404 && name !== 'NoSuchBucket')) {
    return new StoreError(`store object ${JSON.stringify(key)} does not exist`, { code: 'not-found', key, cause: error });
  }
  if (name === 'NoSuchBucket') {
    return new StoreError(`cannot ${subject}: bucket "${bucket}" does not exist; create it or fix LORA_STORE`, {
      code: 'bucket-missing',
      key,
      exitCode: 2,
      cause: error,
    });
  }
  if (status === 403 || name === 'AccessDenied' || name === 'InvalidAccessKeyId' || name === 'SignatureDoesNotMatch') {
    return new StoreError(`cannot ${subject}: access denied (${name}); check the AWS credentials`, { code: 'not-writable', key, cause: error });
  }
  const retryable =
    Boolean(aws.$retryable) || (status !== undefined && (status >= 500 || status === 429)) || transientNetworkCodes.has(aws.code ?? name);
  const reason = `${name}: ${aws.message ?? 'unknown error'}`;
  if (!retryable) return new StoreError(`cannot ${subject}: ${reason}`, { code: 'io-error', key, cause: error });
  return new StoreError(`cannot ${subject} at ${endpoint ?? 'the AWS S3 endpoint'} after its retries (${reason}); check that the endpoint is reachable, then retry`, {
    code: 'unavailable',
    key,
    retryable,
    cause: error,
  });
}

/** The artifact store on S3 or any S3-compatible server (MinIO, s3rver). */
export class S3Store implements ArtifactStore {
  readonly url: string;
  private readonly client: S3Client;
  private readonly options: S3StoreOptions;
  private readonly prefix: string;

  constructor(options: S3StoreOptions) {
    this.options = options;
    this.prefix = (options.prefix ?? '').replace(/^\/+|\/+$/g, '');
    this.url = `s3://${options.bucket}${this.prefix === '' ? '' : `/${this.prefix}`}`;
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle,
      maxAttempts: options.maxAttempts,
      retryMode: 'standard',
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    });
  }

  private objectKey(key: string): string {
    assertValidKey(key);
    return this.prefix === '' ? key : `${this.prefix}/${key}`;
  }

  private storeKey(objectKey: string): string {
    return this.prefix === '' ? objectKey : objectKey.slice(this.prefix.length + 1);
  }

  async putFile(key: string, path: string): Promise<ObjectInfo> {
    const info = await this.put(key, createReadStream(path));
    await rm(path, { force: true });
    return info;
  }

  async put(key: string, body: ObjectBody): Promise<ObjectInfo> {
    const Key = this.objectKey(key);
    const Bucket = this.options.bucket;
    try {
      if (body instanceof Readable) {
        const upload = new Upload({
          client: this.client,
          params: { Bucket, Key, Body: body },
          partSize: this.options.partSizeBytes,
          queueSize: 4,
          leavePartsOnError: false,
        });
        await upload.done();
      } else {
        const bytes = typeof body === 'string' ? Buffer.from(body) : body;
        await this.client.send(new PutObjectCommand({ Bucket, Key, Body: bytes, ContentLength: bytes.byteLength }));
      }
    } catch (error) {
      throw storeErrorFrom(error, 'write', key, Bucket, this.options.endpoint);
    }
    const info = await this.head(key);
    if (info === undefined) throw new StoreError(`store object ${JSON.stringify(key)} is missing right after it was written`, { code: 'io-error', key, retryable: true });
    return info;
  }

  async get(key: string): Promise<Readable> {
    try {
      const response = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) }));
      if (!(response.Body instanceof Readable)) throw new Error('the response has no body stream');
      return response.Body;
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw storeErrorFrom(error, 'read', key, this.options.bucket, this.options.endpoint);
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    try {
      const response = await this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) }));
      return { key, size: response.ContentLength ?? 0, modifiedAt: response.LastModified ?? new Date(0) };
    } catch (error) {
      if (error instanceof StoreError) throw error;
      const mapped = storeErrorFrom(error, 'read', key, this.options.bucket, this.options.endpoint);
      if (mapped.code === 'not-found') return undefined;
      throw mapped;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    assertValidPrefix(prefix);
    const Prefix = this.prefix === '' ? prefix : `${this.prefix}/${prefix}`;
    const pages = paginateListObjectsV2(
      { client: this.client, pageSize: this.options.listPageSize ?? 1000 },
      { Bucket: this.options.bucket, Prefix },
    );
    try {
      for await (const page of pages) {
        for (const object of page.Contents ?? []) {
          if (object.Key === undefined) continue;
          yield { key: this.storeKey(object.Key), size: object.Size ?? 0, modifiedAt: object.LastModified ?? new Date(0) };
        }
      }
    } catch (error) {
      throw storeErrorFrom(error, 'list', prefix, this.options.bucket, this.options.endpoint);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.client.send(new DeleteObjectCommand({ Bucket: this.options.bucket, Key: this.objectKey(key) }));
    } catch (error) {
      if (error instanceof StoreError) throw error;
      const mapped = storeErrorFrom(error, 'delete', key, this.options.bucket, this.options.endpoint);
      if (mapped.code !== 'not-found') throw mapped;
    }
  }

  /** A single PUT is atomic in S3: readers see the old document or the new one. */
  async writeJson(key: string, value: unknown): Promise<void> {
    await this.put(key, `${JSON.stringify(value, null, 2)}\n`);
  }

  async readJson(key: string): Promise<unknown> {
    let stream: Readable;
    try {
      stream = await this.get(key);
    } catch (error) {
      if (error instanceof StoreError && error.code === 'not-found') return undefined;
      throw error;
    }
    const text = (await readAll(stream)).toString('utf8');
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new StoreError(`store object ${JSON.stringify(key)} is not valid JSON: ${(error as Error).message}`, { code: 'corrupt', key, cause: error });
    }
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}
