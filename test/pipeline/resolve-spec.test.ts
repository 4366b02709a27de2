import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStore, UsageError, readAll } from '../../core/index.js';
import { parseSpec, resolveSpec } from '../../pipeline/index.js';

describe('resolving a spec for remote workers', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'lora-resolve-'));
    await writeFile(join(folder, 'data.jsonl'), '{"messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"hello"}]}\n');
    await writeFile(join(folder, 'bench.jsonl'), '{"prompt":"a","completion":"b"}\n');
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('uploads the dataset and benchmark files next to the spec and names them by content', async () => {
    const store = new FileStore(join(folder, 'store'));
    const spec = parseSpec('schemaVersion: 1\nname: demo\ndataset:\n  source: data.jsonl\n  decontamination:\n    benchmarks: [bench.jsonl, s3://bucket/other.jsonl]\n', 'spec.yaml');
    const resolved = await resolveSpec(spec, join(folder, 'spec.yaml'), store);
    expect(resolved.dataset.source).toMatch(/^store:blobs\/sha256\/[0-9a-f]{2}\/[0-9a-f]{64}$/);
    expect(resolved.dataset.decontamination.benchmarks[0]).toMatch(/^store:blobs\/sha256\//);
    expect(resolved.dataset.decontamination.benchmarks[1]).toBe('s3://bucket/other.jsonl');
    const uploaded = await readAll(await store.get(resolved.dataset.decontamination.benchmarks[0]!.slice('store:'.length)));
    expect(uploaded.toString()).toBe('{"prompt":"a","completion":"b"}\n');
  });

  it('names a missing benchmark file and the field that points at it', async () => {
    const store = new FileStore(join(folder, 'store'));
    const spec = parseSpec('schemaVersion: 1\nname: demo\ndataset:\n  source: data.jsonl\n  decontamination:\n    benchmarks: [missing.jsonl]\n', 'spec.yaml');
    const error = await resolveSpec(spec, join(folder, 'spec.yaml'), store).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toContain('"dataset.decontamination.benchmarks[0]" must name an existing file, got "missing.jsonl"');
  });
});
