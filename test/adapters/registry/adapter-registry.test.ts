import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { FileStore, LoraError, UsageError } from '../../../core/index.js';
import { AdapterRegistry, type AdapterVersion, type NewAdapterVersion } from '../../../adapters/index.js';
import { newVersion as registeredVersion } from './registry-fixture.js';
import { removePrefix, testConnection, testPrefix } from '../../support/redis-test.js';

/** A version as the train stage would register it, from this test. */
function newVersion(name: string, runId: string): NewAdapterVersion {
  return registeredVersion(name, runId, 'registry-test');
}

/** The error a promise rejects with; fails when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => expect.fail(`expected a rejection, got ${JSON.stringify(value)}`),
    (error: unknown) => error,
  );
}

/**
 * The connection, except that HGET of an alias waits until `readers` calls have asked, so that
 * every promotion reads the alias before any of them swaps it.
 */
function heldUntilAllRead(connection: Redis, readers: number): Redis {
  const waiting: Array<() => void> = [];
  const hget = async (key: string, field: string): Promise<string | null> => {
    const value = await connection.hget(key, field);
    await new Promise<void>((resolve) => {
      waiting.push(resolve);
      if (waiting.length === readers) for (const release of waiting) release();
    });
    return value;
  };
  return new Proxy(connection, {
    get(target, property) {
      if (property === 'hget') return hget;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
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

  it('refuses to promote a version without an eval, or one that failed its gate, and wants a reason with --force', async () => {
    for (const run of ['gate-1', 'gate-2']) await registry.register(newVersion('gated', run));
    await registry.recordEval('gated@v2', { reportId: 'report-2', verdict: 'worse', gatePassed: false, baseline: 'gpt-4o-mini' });

    expect(await rejection(registry.promote('gated@v1', 'production'))).toMatchObject({ code: 'promotion-refused', exitCode: 1 });
    const failedGate = await rejection(registry.promote('gated@v2', 'production'));
    expect(failedGate).toMatchObject({ code: 'promotion-refused', exitCode: 1 });
    expect((failedGate as Error).message).toContain('report-2');
    expect(await rejection(registry.promote('gated@v2', 'production', { force: true }))).toMatchObject({ code: 'promotion-reason-missing', exitCode: 2 });
    expect(await registry.aliasVersion('gated', 'production')).toBeNull();

    const forced = await registry.promote('gated@v2', 'production', { force: true, reason: 'hotfix' });
    expect(forced.from).toBeNull();
    expect(forced.version.aliases).toEqual(['candidate', 'production']);
    expect((await registry.history('gated')).at(-1)).toMatchObject({ action: 'promoted', version: 2, alias: 'production', reason: 'hotfix', evalReportId: 'report-2' });
  });

  it('rolls production back to the version the last promotion replaced, once', async () => {
    for (const run of ['roll-1', 'roll-2', 'roll-3']) await registry.register(newVersion('rolled', run));
    for (const version of [1, 2, 3]) await registry.promote(`rolled@v${version}`, 'production', { force: true, reason: `step ${version}` });

    expect(await registry.rollback('rolled', { reason: 'v3 regressed' })).toEqual({ from: 3, to: 2 });
    expect(await registry.aliasVersion('rolled', 'production')).toBe(2);
    expect((await registry.history('rolled')).at(-1)).toMatchObject({ action: 'rolled-back', version: 2, alias: 'production', from: 3, reason: 'v3 regressed' });
    expect(await rejection(registry.rollback('rolled'))).toMatchObject({ code: 'rollback-impossible', exitCode: 1 });
  });

  it('refuses a rollback when Redis moved production without a ledger entry, instead of guessing from an older promotion', async () => {
    for (const run of ['gap-1', 'gap-2', 'gap-3']) await registry.register(newVersion('gapped', run));
    await registry.promote('gapped@v1', 'production', { force: true, reason: 'first' });
    await registry.promote('gapped@v2', 'production', { force: true, reason: 'second' });
    // What a crash between promote's compare-and-set and its ledger entry leaves behind.
    await connection.hset(`${prefix}:lora:registry:gapped:aliases`, 'production', '1');

    const error = await rejection(registry.rollback('gapped'));
    expect(error).toMatchObject({ code: 'registry-inconsistent', exitCode: 1 });
    expect((error as Error).message).toContain('lora registry check');
    expect(await registry.aliasVersion('gapped', 'production')).toBe(1);
  });

  describe('with the clock standing still', () => {
    afterEach(() => vi.useRealTimers());

    it('keeps ledger entries of the same millisecond in the order they were written, so a rollback finds the last promotion', async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.now());
      for (const run of ['still-1', 'still-2', 'still-3']) await registry.register(newVersion('still', run));
      for (const version of [3, 1, 2]) await registry.promote(`still@v${version}`, 'production', { force: true, reason: `order ${version}` });
      expect(await registry.rollback('still')).toEqual({ from: 2, to: 1 });

      const history = await registry.history('still');
      expect(new Set(history.map((entry) => entry.at)).size).toBe(1);
      expect(history.map(({ action, version, from }) => `${action} v${version} from ${from ?? '-'}`)).toEqual([
        'registered v1 from -',
        'registered v2 from 1',
        'registered v3 from 2',
        'promoted v3 from -',
        'promoted v1 from 3',
        'promoted v2 from 1',
        'rolled-back v1 from 2',
      ]);
    });
  });

  it('still reads ledger entries written under the older TIME-RANDOM keys, in time order', async () => {
    await registry.register(newVersion('legacy', 'legacy-1'));
    const old = { schemaVersion: 1, name: 'legacy', action: 'evaluated', version: 1, alias: null, from: null, reason: 'old', evalReportId: 'r-old', actor: 'someone', at: '2020-01-01T00:00:00.000Z' };
    await store.writeJson('registry/adapters/legacy/ledger/2020-01-01T00-00-00-000Z-deadbeef.json', old);

    const history = await registry.history('legacy');
    expect(history.map((entry) => entry.action)).toEqual(['evaluated', 'registered']);
    expect(history[0]).toEqual(old);
  });

  it('lets exactly one of five promotions that read the same production version win; the others get promotion-conflict', async () => {
    for (const run of ['race-1', 'race-2', 'race-3', 'race-4', 'race-5']) await registry.register(newVersion('raced', run));
    // Every promotion reads production before any of them swaps it: a true race on the same expected value.
    const racing = new AdapterRegistry(heldUntilAllRead(connection, 5), prefix, store);

    const outcomes = await Promise.allSettled([1, 2, 3, 4, 5].map((version) => racing.promote(`raced@v${version}`, 'production', { force: true, reason: 'race' })));
    const winners = outcomes.filter((outcome) => outcome.status === 'fulfilled');
    const losers = outcomes.filter((outcome) => outcome.status === 'rejected');
    expect(winners).toHaveLength(1);
    expect(winners[0]!.value.from).toBeNull();
    for (const loser of losers) expect(loser.reason).toMatchObject({ code: 'promotion-conflict', exitCode: 1 });
    expect(await registry.aliasVersion('raced', 'production')).toBe(winners[0]!.value.version.version);
    expect((await registry.history('raced')).filter((entry) => entry.action === 'promoted')).toHaveLength(1);
  });

  it('ends five free-running promotions with a chain of winners, each moving production from the one before, and the last in production', async () => {
    for (const run of ['free-1', 'free-2', 'free-3', 'free-4', 'free-5']) await registry.register(newVersion('free', run));
    const outcomes = await Promise.allSettled([1, 2, 3, 4, 5].map((version) => registry.promote(`free@v${version}`, 'production', { force: true, reason: 'race' })));

    const winners = outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [{ version: outcome.value.version.version, from: outcome.value.from }] : []));
    for (const outcome of outcomes) if (outcome.status === 'rejected') expect(outcome.reason).toMatchObject({ code: 'promotion-conflict' });
    expect(winners.length).toBeGreaterThanOrEqual(1);
    const chain: number[] = [];
    let holder: number | null = null;
    for (;;) {
      const next = winners.filter((winner) => winner.from === holder);
      if (next.length === 0) break;
      expect(next).toHaveLength(1);
      holder = next[0]!.version;
      chain.push(holder);
    }
    const numerically = (left: number, right: number) => left - right;
    expect([...chain].sort(numerically)).toEqual(winners.map((winner) => winner.version).sort(numerically));
    expect(await registry.aliasVersion('free', 'production')).toBe(holder);
    // The ledger records the same chain, in order.
    const promoted = (await registry.history('free')).filter((entry) => entry.action === 'promoted');
    expect(promoted.map((entry) => entry.version)).toEqual(chain);
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
