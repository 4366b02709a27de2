import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { S3Store, openStore, loraConfig } from '../../core/index.js';
import { describeStoreConformance } from './store-conformance.js';

const endpoint = inject('s3Endpoint');
const credentials = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

async function createBucket(): Promise<string> {
  const bucket = `lora-test-${randomBytes(6).toString('hex')}`;
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  client.destroy();
  return bucket;
}

function s3Store(bucket: string, overrides: Partial<ConstructorParameters<typeof S3Store>[0]> = {}): S3Store {
  return new S3Store({
    bucket,
    prefix: 'runs-under/a-prefix',
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    maxAttempts: 3,
    partSizeBytes: 5 * 1024 * 1024,
    listPageSize: 3,
    credentials,
    ...overrides,
  });
}

describeStoreConformance(
  'S3',
  async () => {
    const bucket = await createBucket();
    return { store: s3Store(bucket), cleanup: async () => undefined };
  },
  // s3rver, the test server, writes objects in place; real S3 and MinIO replace them whole.
  { atomicConcurrentPuts: false },
);

describe('S3 store', () => {
  it('opens from s3://bucket/prefix with the configured endpoint', () => {
    const config = loraConfig.parse({ store: { url: 's3://my-bucket/team/lora', s3: { endpoint } } });
    expect(openStore(config.store).url).toBe('s3://my-bucket/team/lora');
  });

  it('names the missing bucket and how to fix it', async () => {
    const error = await s3Store('no-such-bucket-here').put('x.json', '{}').catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'bucket-missing' });
    expect((error as Error).message).toContain('bucket "no-such-bucket-here" does not exist');
  });

  it('gives up on an unreachable endpoint after its retries with a retryable error', async () => {
    const store = s3Store('any-bucket', { endpoint: 'http://127.0.0.1:9', maxAttempts: 2 });
    const error = await store.put('x.json', '{}').catch((caught: unknown) => caught);
    expect(error).toMatchObject({ retryable: true });
    expect((error as Error).message).toContain('s3://any-bucket/x.json');
  });
});
