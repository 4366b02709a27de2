import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { FileStore } from '../../../core/index.js';
import { AdapterRegistry, registryAliases, type NewAdapterVersion } from '../../../adapters/index.js';
import { runCli } from '../../support/cli.js';
import { newVersion as registeredVersion } from './registry-fixture.js';
import { removePrefix, testConnection, testPrefix, testRedisUrl } from '../../support/redis-test.js';

/** A version as the train stage would register it, from this test. */
function newVersion(name: string, runId: string): NewAdapterVersion {
  return registeredVersion(name, runId, 'rebuild-test');
}

/** Everything a user can see of the registry's names: versions, aliases, evals and ledgers. */
async function snapshot(registry: AdapterRegistry, names: string[]) {
  const listed = await registry.list();
  const shown = await Promise.all(listed.map((version) => registry.show(`${version.name}@v${version.version}`)));
  const aliases: Record<string, Record<string, number | null>> = {};
  const history: Record<string, unknown> = {};
  for (const name of names) {
    aliases[name] = Object.fromEntries(await Promise.all(registryAliases.map(async (alias) => [alias, await registry.aliasVersion(name, alias)] as const)));
    history[name] = await registry.history(name);
  }
  return { listed, shown, aliases, history };
}

describe('rebuilding the registry in Redis from the store', () => {
  let folder: string;
  let connection: Redis;
  let prefix: string;
  let store: FileStore;
  let registry: AdapterRegistry;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'lora-registry-rebuild-'));
    connection = testConnection();
  });

  // A fresh prefix and store per test: rebuild and check cover every name they hold.
  beforeEach(async (context) => {
    prefix = testPrefix();
    store = new FileStore(join(folder, context.task.id));
    registry = new AdapterRegistry(connection, prefix, store);
  });

  afterEach(async () => {
    vi.useRealTimers();
    await removePrefix(connection, prefix);
  });

  afterAll(async () => {
    connection.disconnect();
    await rm(folder, { recursive: true, force: true });
  });

  /** Two names with three versions each, evaluations, promotions, a rollback and a staging version. */
  async function populate(): Promise<void> {
    for (const name of ['alpha', 'beta']) {
      for (const run of ['1', '2', '3']) await registry.register(newVersion(name, `${name}-${run}`));
      for (const version of [1, 2, 3]) {
        await registry.recordEval(`${name}@v${version}`, { reportId: `${name}-report-${version}`, verdict: version === 3 ? 'better' : 'worse', gatePassed: version === 3, baseline: 'gpt-4o-mini' });
      }
    }
    await registry.promote('alpha@v2', 'production', { force: true, reason: 'v2 first, gate not passed' });
    await registry.promote('alpha@v3', 'production');
    await registry.rollback('alpha', { reason: 'v3 regressed in production' });
    await registry.promote('alpha@v3', 'staging');
    await registry.promote('beta@v1', 'production', { force: true, reason: 'baseline' });
    await registry.promote('beta@v3', 'staging');
  }

  it('restores every alias and sequence after Redis lost its keys, so that versions, aliases, ledgers and evals read the same', async () => {
    await populate();
    const before = await snapshot(registry, ['alpha', 'beta']);
    expect(before.aliases.alpha).toEqual({ candidate: 3, staging: 3, production: 2, archived: null });
    expect(before.aliases.beta).toEqual({ candidate: 3, staging: 3, production: 1, archived: null });
    expect(before.shown.find((version) => version.name === 'alpha' && version.version === 3)?.eval).toMatchObject({ reportId: 'alpha-report-3', gatePassed: true });

    await removePrefix(connection, prefix);
    expect(await connection.keys(`${prefix}:*`)).toEqual([]);

    const restores = await registry.rebuild();
    expect(restores.map(({ name, restored }) => ({ name, restored }))).toEqual([
      { name: 'alpha', restored: { sequence: 3, aliases: { candidate: 3, staging: 3, production: 2, archived: null } } },
      { name: 'beta', restored: { sequence: 3, aliases: { candidate: 3, staging: 3, production: 1, archived: null } } },
    ]);
    expect(restores[0]!.changed.map(({ field, redis, ledger }) => [field, redis, ledger])).toEqual([
      ['sequence', null, 3],
      ['candidate', null, 3],
      ['staging', null, 3],
      ['production', null, 2],
    ]);

    expect(await snapshot(registry, ['alpha', 'beta'])).toEqual(before);
    // The next registration continues the sequence, and rollback still finds the promotion before it.
    expect((await registry.register(newVersion('alpha', 'alpha-4'))).version).toBe(4);
    await registry.promote('alpha@v3', 'production');
    expect(await registry.rollback('alpha')).toEqual({ from: 3, to: 2 });
  });

  it('reports every difference before the rebuild and none after it', async () => {
    await populate();
    expect((await registry.check()).flatMap((check) => check.differences)).toEqual([]);

    await removePrefix(connection, prefix);
    const lost = await registry.check();
    expect(lost.map((check) => check.name)).toEqual(['alpha', 'beta']);
    expect(lost[1]!.differences.map(({ name, field, redis, ledger }) => ({ name, field, redis, ledger }))).toEqual([
      { name: 'beta', field: 'sequence', redis: null, ledger: 3 },
      { name: 'beta', field: 'candidate', redis: null, ledger: 3 },
      { name: 'beta', field: 'staging', redis: null, ledger: 3 },
      { name: 'beta', field: 'production', redis: null, ledger: 1 },
    ]);
    expect(lost[1]!.differences[3]!.message).toBe('production of beta is v1 in the ledger, Redis has none; run `lora registry rebuild` to restore the ledger\'s');

    await registry.rebuild();
    expect((await registry.check()).flatMap((check) => check.differences)).toEqual([]);
  });

  it('reports an alias that Redis moved without a ledger entry (a crash after the swap), and rebuild returns it to the ledger', async () => {
    await populate();
    await connection.hset(`${prefix}:lora:registry:beta:aliases`, 'production', '3', 'archived', '2');

    const differences = (await registry.check()).flatMap((check) => check.differences);
    expect(differences.map(({ name, field, redis, ledger }) => ({ name, field, redis, ledger }))).toEqual([
      { name: 'beta', field: 'production', redis: 3, ledger: 1 },
      { name: 'beta', field: 'archived', redis: 2, ledger: null },
    ]);

    const beta = (await registry.rebuild()).find((restore) => restore.name === 'beta');
    expect(beta?.changed.map((change) => change.field)).toEqual(['production', 'archived']);
    expect(await registry.aliasVersion('beta', 'production')).toBe(1);
    expect(await registry.aliasVersion('beta', 'archived')).toBeNull();
  });

  it('raises a sequence that is behind the store but never lowers one that is ahead of it', async () => {
    await populate();
    await connection.set(`${prefix}:lora:registry:alpha:sequence`, '1');
    await connection.set(`${prefix}:lora:registry:beta:sequence`, '10');
    expect((await registry.check()).flatMap((check) => check.differences).map(({ name, field }) => `${name} ${field}`)).toEqual(['alpha sequence']);

    const restores = await registry.rebuild();
    expect(restores.map((restore) => [restore.name, restore.restored.sequence])).toEqual([
      ['alpha', 3],
      ['beta', 10],
    ]);
    expect(await connection.get(`${prefix}:lora:registry:beta:sequence`)).toBe('10');
    expect((await registry.register(newVersion('beta', 'beta-after'))).version).toBe(11);
  });

  it('replays ledger entries of the same millisecond in the order they were written', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now());
    for (const run of ['1', '2', '3']) await registry.register(newVersion('instant', `instant-${run}`));
    await registry.promote('instant@v3', 'production', { force: true, reason: 'first' });
    await registry.promote('instant@v2', 'production', { force: true, reason: 'second' });
    await registry.rollback('instant');
    await registry.promote('instant@v1', 'staging', { force: true, reason: 'try' });
    await registry.promote('instant@v3', 'staging', { force: true, reason: 'try again' });
    vi.useRealTimers();
    expect(new Set((await registry.history('instant')).map((entry) => entry.at)).size).toBe(1);

    await removePrefix(connection, prefix);
    const [restore] = await registry.rebuild();
    expect(restore?.restored.aliases).toEqual({ candidate: 3, staging: 3, production: 3, archived: null });
  });

  it('gives the rebuilt registry the same production after a race of promotions as before the loss', async () => {
    for (const run of ['1', '2', '3', '4', '5']) await registry.register(newVersion('raced', `raced-${run}`));
    await Promise.allSettled([1, 2, 3, 4, 5].map((version) => registry.promote(`raced@v${version}`, 'production', { force: true, reason: 'race' })));
    const production = await registry.aliasVersion('raced', 'production');

    await removePrefix(connection, prefix);
    await registry.rebuild();
    expect(await registry.aliasVersion('raced', 'production')).toBe(production);
    expect((await registry.check()).flatMap((check) => check.differences)).toEqual([]);
  });

  it('runs as `lora registry check` and `lora registry rebuild --json`, exiting 1 while Redis differs from the store', async () => {
    await populate();
    await removePrefix(connection, prefix);
    // The CLI opens the same Redis prefix and store folder as `registry`.
    const env = { REDIS_URL: testRedisUrl, LORA_REDIS_PREFIX: prefix, LORA_STORE: store.url };

    const before = await runCli(['registry', 'check', '--json'], env);
    expect(before.code, before.stderr).toBe(1);
    const report = JSON.parse(before.stdout) as { consistent: boolean; differences: Array<{ name: string; field: string }> };
    expect(report.consistent).toBe(false);
    expect(report.differences.filter((difference) => difference.field === 'production').map((difference) => difference.name)).toEqual(['alpha', 'beta']);

    const rebuilt = await runCli(['registry', 'rebuild', '--json'], env);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    const restored = JSON.parse(rebuilt.stdout) as { names: Array<{ name: string; restored: { sequence: number; aliases: Record<string, number | null> } }> };
    expect(restored.names.map(({ name, restored }) => [name, restored.sequence, restored.aliases.production])).toEqual([
      ['alpha', 3, 2],
      ['beta', 3, 1],
    ]);
    expect(await registry.aliasVersion('alpha', 'staging')).toBe(3);

    const after = await runCli(['registry', 'check'], env);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).toBe("Redis matches the store's ledger for 2 adapter names\n");
  });
});
