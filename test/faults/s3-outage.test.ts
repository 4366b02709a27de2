// Fault: the S3 endpoint goes away, briefly or for longer than the store's retries, with a TCP proxy between the
// store and s3rver that refuses or resets connections. What is lost: nothing. A short outage is ridden out by the
// retries; a long one fails with a retryable error and leaves no object, and no adapter is registered from an upload
// that did not finish, so the retried stage registers it once.
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { S3Store, StoreError, blobKey, createSourceOpener, loraConfig, putBlob, readAll, type ArtifactStore, type StageContext } from '../../core/index.js';
import { curateParams, curateStage } from '../../datasets/index.js';
import { AdapterRegistry, createTrainStage, trainParams } from '../../adapters/index.js';
import { removePrefix, testConnection, testPrefix } from '../support/redis-test.js';
import { TcpProxy } from '../support/tcp-proxy.js';

const endpoint = inject('s3Endpoint');
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

async function createBucket(): Promise<string> {
  const bucket = `lora-fault-${randomBytes(6).toString('hex')}`;
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  client.destroy();
  return bucket;
}

/** A stage context on `store`, as a worker builds one. */
function stageContext(store: ArtifactStore, runId: string, attempt: number): StageContext {
  return {
    signal: new AbortController().signal,
    log: pino({ level: 'silent' }),
    progress: async () => undefined,
    store,
    openSource: createSourceOpener(store, loraConfig.parse({}).store.s3),
    runId,
    attempt,
  };
}

/** The error a promise rejects with; fails when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => expect.fail(`expected a rejection, got ${JSON.stringify(value)}`),
    (error: unknown) => error,
  );
}

describe('the S3 store when its endpoint goes down (nothing is lost)', () => {
  let proxy: TcpProxy;
  let bucket: string;
  let store: S3Store;

  beforeAll(async () => {
    proxy = await TcpProxy.start(endpoint);
    bucket = await createBucket();
    store = new S3Store({ bucket, endpoint: proxy.endpoint, region: 'us-east-1', forcePathStyle: true, maxAttempts: 5, partSizeBytes: 5 * 2 ** 20, credentials });
  });

  afterEach(async () => {
    proxy.resetNext(0);
    await proxy.restore();
  });

  afterAll(async () => {
    await store?.close();
    await proxy?.close();
  });

  it('writes an object once its retries outlast an outage of three reset connections', async () => {
    await store.put('warm.json', '{}');
    const before = proxy.counts.reset;
    // The outage also cuts the connection the client keeps alive, which can cost one more attempt: 4 of 5 at most.
    proxy.resetNext(3);
    const bytes = randomBytes(64 * 1024);
    await store.put('short-outage/object.bin', bytes);
    expect(proxy.counts.reset - before).toBe(3);
    expect(await readAll(await store.get('short-outage/object.bin'))).toEqual(bytes);
  });

  it('stores a streamed blob under its sha256 once its retries outlast a short outage', async () => {
    const bytes = randomBytes(256 * 1024);
    proxy.resetNext(3);
    const ref = await putBlob(store, Readable.from([bytes.subarray(0, 100_000), bytes.subarray(100_000)]));
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    expect(ref).toEqual({ key: blobKey(sha256), sha256, size: bytes.byteLength });
    expect(await readAll(await store.get(ref.key))).toEqual(bytes);
  });

  it('fails a write during an outage longer than its retries with a retryable error naming the endpoint, and leaves no object', async () => {
    await proxy.refuse();
    const error = await rejection(store.put('long-outage/object.json', '{"lost": false}'));
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: 'unavailable', retryable: true, key: 'long-outage/object.json' });
    expect((error as Error).message).toContain(`s3://${bucket}/long-outage/object.json at ${proxy.endpoint}`);
    expect((error as Error).message).toContain('ECONNREFUSED');
    await proxy.restore();
    expect(await store.head('long-outage/object.json')).toBeUndefined();
  });

  it('leaves no object when the endpoint goes down in the middle of a multipart upload', async () => {
    // Parts are 5 MiB: the connection goes down as the second part starts, after the first may have landed.
    proxy.refuseWhenSent('partNumber=2');
    const error = await rejection(store.put('cut/large.bin', Readable.from([randomBytes(12 * 2 ** 20)])));
    expect(error).toMatchObject({ code: 'unavailable', retryable: true, key: 'cut/large.bin' });
    await proxy.restore();
    expect(await store.head('cut/large.bin')).toBeUndefined();
    const listed = [];
    for await (const object of store.list('cut/')) listed.push(object.key);
    expect(listed).toEqual([]);
  });
});

describe('the train stage when S3 goes down during the adapter upload (nothing is lost)', () => {
  let proxy: TcpProxy;
  let store: S3Store;
  let folder: string;
  const prefix = testPrefix();
  const connection = testConnection();

  beforeAll(async () => {
    proxy = await TcpProxy.start(endpoint);
    folder = await mkdtemp(join(tmpdir(), 'lora-s3-outage-'));
    store = new S3Store({ bucket: await createBucket(), endpoint: proxy.endpoint, region: 'us-east-1', forcePathStyle: true, maxAttempts: 2, partSizeBytes: 5 * 2 ** 20, credentials });
  });

  afterAll(async () => {
    await store?.close();
    await proxy?.close();
    await removePrefix(connection, prefix);
    connection.disconnect();
    await rm(folder, { recursive: true, force: true });
  });

  it('uploads the PEFT files, then the manifest, then registers; a failed upload registers nothing, and the retry registers v1', async () => {
    const registry = new AdapterRegistry(connection, prefix, store);
    const runId = `run-${randomBytes(8).toString('hex')}`;
    const curated = await curateStage.process(
      { runId, params: curateParams.parse({ source: 'examples/support-triage/data.jsonl', name: 'triage' }), previous: undefined },
      stageContext(store, runId, 1),
    );
    const stage = createTrainStage({ backend: 'wasm', cacheDir: join(folder, 'models'), registry });
    const params = trainParams.parse({
      baseModel: 'builtin:tiny',
      adapterName: 'triage',
      lora: { r: 4, alpha: 8, targetModules: ['q_proj', 'v_proj'] },
      training: { epochs: 1, maxSteps: 2, batchSize: 2, sequenceLength: 160, evaluateEvery: 100, checkpointEvery: 100, seed: 3 },
    });
    const train = (attempt: number) => stage.process({ runId, params, previous: curated }, stageContext(store, runId, attempt));
    const adapterPrefix = `runs/${runId}/adapter/`;

    // The endpoint goes down as the weights start to upload, after README.md and adapter_config.json.
    proxy.refuseWhenSent(`${adapterPrefix}adapter_model.safetensors`);
    const error = await rejection(train(1));
    expect(error).toMatchObject({ code: 'unavailable', retryable: true, key: `${adapterPrefix}adapter_model.safetensors` });
    await proxy.restore();
    expect(await store.head(`${adapterPrefix}adapter_model.safetensors`)).toBeUndefined();
    expect(await store.head(`${adapterPrefix}lora-manifest.json`)).toBeUndefined();
    expect(await registry.list('triage')).toEqual([]);

    // The job runner retries the stage: it uploads everything again, then the manifest, then registers the first version.
    const uploadStart = proxy.requests.length;
    const result = await train(2);
    expect(result.registered).toEqual({ name: 'triage', version: 1, reference: 'triage@v1' });
    const puts = proxy.requests.slice(uploadStart).filter((request) => request.startsWith('PUT ')).map((request) => request.split('?')[0]!.replace(/^PUT \/[^/]+\//, ''));
    const order = [...result.adapter.files.map((file) => `${adapterPrefix}${file.name}`), `${adapterPrefix}lora-manifest.json`, 'registry/adapters/triage/versions/v000001.json'];
    expect(puts.filter((key) => order.includes(key))).toEqual(order);
    expect(result.adapter.files.map((file) => file.name)).toEqual(['README.md', 'adapter_config.json', 'adapter_model.safetensors']);
    for (const file of result.adapter.files) {
      const bytes = await readAll(await store.get(`${adapterPrefix}${file.name}`));
      expect(createHash('sha256').update(bytes).digest('hex'), file.name).toBe(file.sha256);
    }
    const versions = await registry.list('triage');
    expect(versions.map((version) => [version.version, version.artifact.key, version.artifact.sha256])).toEqual([[1, adapterPrefix, result.adapter.sha256]]);
  });
});
