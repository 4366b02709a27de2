// One conformance suite for every ArtifactStore implementation.
import { randomBytes, createHash } from 'node:crypto';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreError, putBlob, readAll, type ArtifactStore } from '../../core/index.js';

async function collect(iterable: AsyncIterable<{ key: string }>): Promise<string[]> {
  const keys: string[] = [];
  for await (const info of iterable) keys.push(info.key);
  return keys;
}

/** Runs the store contract against the store that `open` returns; `cleanup` removes what the suite wrote. */
/** What a test server can promise: s3rver writes an object's file in place, so racing PUTs of one key can interleave. */
export interface ConformanceOptions {
  atomicConcurrentPuts?: boolean;
}

export function describeStoreConformance(name: string, open: () => Promise<{ store: ArtifactStore; cleanup(): Promise<void> }>, options: ConformanceOptions = {}): void {
  describe(`${name} store`, () => {
    let store: ArtifactStore;
    let cleanup: () => Promise<void>;

    beforeAll(async () => {
      ({ store, cleanup } = await open());
    });
    afterAll(async () => {
      await cleanup();
      await store.close();
    });

    it('reads back the bytes it was given', async () => {
      const info = await store.put('a/bytes.bin', new Uint8Array([1, 2, 3, 250]));
      expect(info).toMatchObject({ key: 'a/bytes.bin', size: 4 });
      expect([...(await readAll(await store.get('a/bytes.bin')))]).toEqual([1, 2, 3, 250]);
    });

    it('stores a stream and overwrites an existing object whole', async () => {
      await store.put('a/text.txt', 'first version, longer than the second');
      await store.put('a/text.txt', Readable.from([Buffer.from('second '), Buffer.from('version')]));
      expect((await readAll(await store.get('a/text.txt'))).toString()).toBe('second version');
      expect((await store.head('a/text.txt'))?.size).toBe('second version'.length);
    });

    it('uploads a stream larger than one multipart part intact', async () => {
      const big = randomBytes(12 * 1024 * 1024 + 12345);
      const chunks = Array.from({ length: Math.ceil(big.length / 65536) }, (_, index) => big.subarray(index * 65536, (index + 1) * 65536));
      await store.put('big/blob.bin', Readable.from(chunks));
      const back = await readAll(await store.get('big/blob.bin'));
      expect(back.length).toBe(big.length);
      expect(createHash('sha256').update(back).digest('hex')).toBe(createHash('sha256').update(big).digest('hex'));
    });

    it('stores a local file with putFile, and the file is gone afterwards', async () => {
      const folder = await mkdtemp(join(tmpdir(), 'lora-put-file-'));
      try {
        const path = join(folder, 'split.jsonl');
        await writeFile(path, 'one\ntwo\n');
        expect((await store.putFile('files/split.jsonl', path)).size).toBe(8);
        expect((await readAll(await store.get('files/split.jsonl'))).toString()).toBe('one\ntwo\n');
        await expect(stat(path)).rejects.toMatchObject({ code: 'ENOENT' });
      } finally {
        await rm(folder, { recursive: true, force: true });
      }
    });

    it('answers head with undefined and get with not-found for a missing object', async () => {
      expect(await store.head('missing/object')).toBeUndefined();
      await expect(store.get('missing/object')).rejects.toMatchObject({ code: 'not-found' });
      expect(await store.readJson('missing/doc.json')).toBeUndefined();
    });

    it('treats a prefix of other keys as a missing object', async () => {
      await store.put('prefix/of/object.txt', 'x');
      expect(await store.head('prefix/of')).toBeUndefined();
      await expect(store.get('prefix/of')).rejects.toMatchObject({ code: 'not-found' });
    });

    it('lists exactly the keys under a prefix, in key order, across pages', async () => {
      const keys = Array.from({ length: 7 }, (_, index) => `list/item-${index}.json`);
      for (const key of [...keys].reverse()) await store.put(key, key);
      await store.put('listing/other.json', 'x');
      expect(await collect(store.list('list/'))).toEqual(keys);
      expect(await collect(store.list('list/item-1'))).toEqual(['list/item-1.json']);
      expect(await collect(store.list('nothing-here/'))).toEqual([]);
    });

    it('deletes an object, and deleting a missing one is not an error', async () => {
      await store.put('gone/soon.txt', 'x');
      await store.delete('gone/soon.txt');
      expect(await store.head('gone/soon.txt')).toBeUndefined();
      await store.delete('gone/soon.txt');
    });

    it('writes JSON documents whole and reads them back', async () => {
      await store.writeJson('docs/manifest.json', { schemaVersion: 1, name: 'ds', counts: [1, 2] });
      expect(await store.readJson('docs/manifest.json')).toEqual({ schemaVersion: 1, name: 'ds', counts: [1, 2] });
      // Real S3 replaces an object whole on each PUT; s3rver does not, so the race is checked where the store itself guarantees it.
      if (options.atomicConcurrentPuts === false) return;
      await Promise.all(Array.from({ length: 8 }, (_, index) => store.writeJson('docs/race.json', { writer: index, padding: 'x'.repeat(10_000 * index) })));
      const raced = (await store.readJson('docs/race.json')) as { writer: number; padding: string };
      expect(raced.padding.length).toBe(10_000 * raced.writer);
    });

    it('stores blobs by sha256 once, from bytes or a stream', async () => {
      const content = Buffer.from('the same content twice');
      const first = await putBlob(store, content);
      const second = await putBlob(store, Readable.from([content]));
      const sha256 = createHash('sha256').update(content).digest('hex');
      expect(first).toEqual({ key: `blobs/sha256/${sha256.slice(0, 2)}/${sha256}`, sha256, size: content.length });
      expect(second).toEqual(first);
      expect((await readAll(await store.get(first.key))).toString()).toBe('the same content twice');
    });

    it.each([['../escape'], ['a/../../b'], ['/etc/passwd'], ['a\0b'], ['a//b'], ['./a'], ['']])('refuses the key %j with a clear error', async (key) => {
      const error = await store.put(key, 'x').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(StoreError);
      expect(error).toMatchObject({ code: 'invalid-key', exitCode: 2 });
      expect((error as Error).message).toContain('store key');
      await expect(store.get(key)).rejects.toMatchObject({ code: 'invalid-key' });
    });
  });
}
