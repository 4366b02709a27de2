import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageLog, type UsageRecord } from '../../router/index.js';
import { runCli, spawnCli, type CliResult } from '../support/cli.js';
import { removePrefix, testConnection, testPrefix, testRedisUrl } from '../support/redis-test.js';

function printedJson<T>(result: CliResult): T {
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

function usage(fields: Partial<UsageRecord>): UsageRecord {
  return { schemaVersion: 1, at: new Date().toISOString(), model: 'm', servedBy: 'm@v1', adapterVersion: 'm@v1', promptTokens: 0, completionTokens: 0, usd: null, keyId: null, fallback: null, cached: false, stream: false, latencyMs: 1, ...fields };
}

describe('lora keys, usage and serve', () => {
  const prefix = testPrefix();
  let folder: string;
  let connection: Redis;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'lora-cli-router-'));
    connection = testConnection();
    env = { REDIS_URL: testRedisUrl, LORA_REDIS_PREFIX: prefix, LORA_STORE: `file://${join(folder, 'store')}`, LORA_MODEL_CACHE: join(folder, 'cache') };
  });

  afterAll(async () => {
    await removePrefix(connection, prefix);
    connection.disconnect();
    await rm(folder, { recursive: true, force: true });
  });

  it('creates a key printed once, lists it without the key, and revokes it', async () => {
    const created = printedJson<{ name: string; id: string; key: string }>(await runCli(['keys', 'create', 'billing', '--json'], env));
    expect(created.key).toMatch(/^lora-sk-[A-Za-z0-9_-]{40,}$/);
    expect(JSON.stringify(await connection.hgetall(`${prefix}:lora:keys`))).not.toContain(created.key);

    const duplicate = await runCli(['keys', 'create', 'billing'], env);
    expect(duplicate.code).toBe(1);
    expect(duplicate.stderr).toContain('an active key named "billing" exists');

    const revoked = await runCli(['keys', 'revoke', 'billing'], env);
    expect(revoked.code, revoked.stderr).toBe(0);
    const listed = printedJson<Array<{ name: string; id: string; revoked: boolean }>>(await runCli(['keys', 'list', '--json'], env));
    expect(listed).toEqual([expect.objectContaining({ name: 'billing', id: created.id, revoked: true })]);
    expect(JSON.stringify(listed)).not.toContain(created.key);
  });

  it('sums recorded usage by model and by key, with unknown costs counted apart', async () => {
    const log = new UsageLog(connection, prefix);
    await log.append(usage({ model: 'triage', promptTokens: 10, completionTokens: 2, usd: 0.5, keyId: 'key_a' }));
    await log.append(usage({ model: 'triage', promptTokens: 5, completionTokens: 1, usd: null, keyId: 'key_b' }));
    await log.append(usage({ model: 'summary', promptTokens: 7, completionTokens: 3, usd: 0.25, keyId: 'key_a' }));
    const byModel = printedJson<{ groups: Array<Record<string, unknown>>; total: Record<string, unknown> }>(await runCli(['usage', '--json'], env));
    expect(byModel.groups).toEqual([
      { group: 'summary', requests: 1, promptTokens: 7, completionTokens: 3, usd: 0.25, unpricedRequests: 0 },
      { group: 'triage', requests: 2, promptTokens: 15, completionTokens: 3, usd: 0.5, unpricedRequests: 1 },
    ]);
    expect(byModel.total).toMatchObject({ requests: 3, promptTokens: 22, completionTokens: 6, usd: 0.75, unpricedRequests: 1 });
    const byKey = printedJson<{ groups: Array<{ group: string; requests: number }> }>(await runCli(['usage', '--by', 'key', '--json'], env));
    expect(byKey.groups.map(({ group, requests }) => [group, requests])).toEqual([
      ['key_a', 2],
      ['key_b', 1],
    ]);
    const future = printedJson<{ total: { requests: number } }>(await runCli(['usage', '--since', '2999-01-01', '--json'], env));
    expect(future.total.requests).toBe(0);
    const badSince = await runCli(['usage', '--since', 'yesterday'], env);
    expect(badSince.code).toBe(2);
  });

  it('serves until SIGTERM, warning loudly that authentication is off under --no-auth', async () => {
    const child = spawnCli(['serve', '--port', '0', '--no-auth', '--backend', 'wasm'], { ...env, LORA_LOG_LEVEL: 'info' });
    let stderr = '';
    const address = await new Promise<string>((resolve, reject) => {
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        const match = /router listening on (http:\/\/[^\s"]+)/.exec(stderr);
        if (match) resolve(match[1]!);
      });
      child.on('close', (code) => reject(new Error(`lora serve exited with ${code}: ${stderr}`)));
    });
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).toContain('AUTHENTICATION IS OFF');
    expect(await (await fetch(`${address}/healthz`)).json()).toEqual({ status: 'ok' });
    const models = (await (await fetch(`${address}/v1/models`)).json()) as { data: Array<{ id: string }> };
    expect(models.data.map((model) => model.id)).toEqual(['builtin:tiny']);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
