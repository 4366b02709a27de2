import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStore, LoraError, UsageError } from '../../../core/index.js';
import { AdapterRegistry, type AdapterVersion, type NewAdapterVersion } from '../../../adapters/index.js';
import { removePrefix, testConnection, testPrefix } from '../../support/redis-test.js';

/** What the train stage would register for `name`; `runId` tells versions apart in the store. */
function newVersion(name: string, runId: string): NewAdapterVersion {
  const prefix = `runs/${runId}/adapter/`;
  return {
    name,
    artifact: { uri: `file:///store/${prefix}`, key: prefix, sha256: 'a'.repeat(64) },
    baseModel: { name: 'builtin:tiny', sha256: 'b'.repeat(64) },
    dataset: { name: 'triage', version: 'ds-1' },
    hyperparameters: { lora: { r: 8 } },
    metrics: { bestValidationLoss: 1.5 },
    backend: 'cpu',
    runId,
    createdBy: 'registry-test',
  };
}

/** The error a promise rejects with; fails when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => expect.fail(`expected a rejection, got ${JSON.stringify(value)}`),
    (error: unknown) => error,
  );
}

describe('AdapterRegistry on real Redis and a file store', () => {
  const prefix = testPrefix();
  let folder: string;
  let connection: Redis;
  let store: FileStore;
  let registry: AdapterRegistry;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'lora-registry-'));
    connection = testConnection();
    store = new FileStore(join(folder, 'store'));
    registry = new AdapterRegistry(connection, prefix, store);
  });

  afterAll(async () => {
    await removePrefix(connection, prefix);
    connection.disconnect();
    await rm(folder, { recursive: true, force: true });
  });

  it('numbers versions 1, 2, 3 and makes each new one the candidate, recording the move in the ledger', async () => {
    const registered: AdapterVersion[] = [];
    for (const run of ['run-1', 'run-2', 'run-3']) {
      const version = await registry.register(newVersion('numbered', run));
      registered.push(version);
      expect(await registry.aliasVersion('numbered', 'candidate')).toBe(version.version);
    }
    expect(registered.map((version) => version.version)).toEqual([1, 2, 3]);
    expect(registered.map((version) => version.aliases)).toEqual([['candidate'], ['candidate'], ['candidate']]);
    expect(registered[0]).toMatchObject({ schemaVersion: 1, name: 'numbered', runId: 'run-1', createdBy: 'registry-test', createdAt: expect.any(String) });

    const listed = await registry.list('numbered');
    expect(listed.map((version) => [version.version, version.aliases])).toEqual([
      [3, ['candidate']],
      [2, []],
      [1, []],
    ]);

    const history = await registry.history('numbered');
    expect(history.map(({ action, version, alias, from, actor }) => ({ action, version, alias, from, actor }))).toEqual([
      { action: 'registered', version: 1, alias: 'candidate', from: null, actor: 'registry-test' },
      { action: 'registered', version: 2, alias: 'candidate', from: 1, actor: 'registry-test' },
      { action: 'registered', version: 3, alias: 'candidate', from: 2, actor: 'registry-test' },
    ]);
  });

  it('shows a version by NAME@vN, by NAME@candidate, and by NAME alone as the newest while nothing is in production', async () => {
    for (const run of ['show-1', 'show-2']) await registry.register(newVersion('shown', run));

    const first = await registry.show('shown@v1');
    expect(first).toMatchObject({ name: 'shown', version: 1, runId: 'show-1', aliases: [] });
    expect(await registry.show('shown@candidate')).toMatchObject({ version: 2, runId: 'show-2', aliases: ['candidate'] });
    expect(await registry.show('shown')).toMatchObject({ version: 2, runId: 'show-2' });
    expect(first).toEqual((await registry.list('shown')).find((version) => version.version === 1));
  });

  it('gives five registrations started together five distinct version numbers', async () => {
    const versions = await Promise.all(['a', 'b', 'c', 'd', 'e'].map((run) => registry.register(newVersion('concurrent', `run-${run}`))));
    expect(versions.map((version) => version.version).sort((left, right) => left - right)).toEqual([1, 2, 3, 4, 5]);

    const listed = await registry.list('concurrent');
    expect(listed.map((version) => version.version)).toEqual([5, 4, 3, 2, 1]);
    // Each stored record is the one its registration returned: no two of them wrote the same number.
    for (const version of versions) expect(listed.find((each) => each.version === version.version)?.runId).toBe(version.runId);
    expect((await registry.history('concurrent')).map((entry) => entry.version).sort()).toEqual([1, 2, 3, 4, 5]);
    // However they finished, the highest version is the candidate.
    expect(await registry.aliasVersion('concurrent', 'candidate')).toBe(5);
  });

  it('never overwrites a stored version when Redis comes back from an older snapshot', async () => {
    for (const run of ['old-1', 'old-2', 'old-3']) await registry.register(newVersion('snapshot', run));
    await connection.set(`${prefix}:lora:registry:snapshot:sequence`, '1');
    const next = await registry.register(newVersion('snapshot', 'after-rollback'));
    expect(next.version).toBe(4);
    expect((await registry.show('snapshot@v2')).runId).toBe('old-2');
  });

  it('continues after the highest stored version when Redis has lost its keys, without overwriting a version', async () => {
    for (const run of ['kept-1', 'kept-2', 'kept-3']) await registry.register(newVersion('survivor', run));
    const before = await registry.list('survivor');

    await removePrefix(connection, prefix);
    expect(await connection.keys(`${prefix}:*`)).toEqual([]);

    const next = await registry.register(newVersion('survivor', 'after-loss'));
    expect(next.version).toBe(4);
    expect(next.aliases).toEqual(['candidate']);

    const after = await registry.list('survivor');
    expect(after.map((version) => version.version)).toEqual([4, 3, 2, 1]);
    const strip = ({ aliases: _aliases, ...record }: (typeof after)[number]) => record;
    expect(after.slice(1).map(strip)).toEqual(before.map(strip));
    // Every name comes back from the store, not only the one registered since the loss.
    expect(new Set((await registry.list()).map((version) => version.name))).toEqual(new Set(['numbered', 'shown', 'concurrent', 'snapshot', 'survivor']));
    expect((await registry.list()).filter((version) => version.name === 'concurrent')).toHaveLength(5);
  });

  it.each(['Bad Name@v1', 'name@v0x'])('refuses the reference %s as a usage error that exits 2', async (reference) => {
    const error = await rejection(registry.show(reference));
    expect(error).toBeInstanceOf(UsageError);
    expect(error).toMatchObject({ exitCode: 2, code: 'adapter-reference-invalid' });
    expect((error as Error).message).toContain(reference);
  });

  it('says adapter-not-found, exit 1, for a version or alias that does not exist', async () => {
    await registry.register(newVersion('lonely', 'lonely-1'));
    const missingVersion = await rejection(registry.show('lonely@v9'));
    expect(missingVersion).toBeInstanceOf(LoraError);
    expect(missingVersion).toMatchObject({ code: 'adapter-not-found', exitCode: 1 });
    expect((missingVersion as Error).message).toContain('lonely@v9');
    expect(await rejection(registry.show('lonely@production'))).toMatchObject({ code: 'adapter-not-found', exitCode: 1 });
    expect(await rejection(registry.show('never-registered'))).toMatchObject({ code: 'adapter-not-found', exitCode: 1 });
  });
});
