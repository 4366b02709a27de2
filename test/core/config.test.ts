import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../core/index.js';

describe('config', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'lora-config-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('has the embedded defaults when nothing is set', async () => {
    const config = await loadConfig({ env: {} });
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
    expect(config.store.url).toBe('file://./.lora');
    expect(config.worker.concurrency).toBe(1);
  });

  it('lets the file override defaults, the environment override the file, and flags override both', async () => {
    const file = join(folder, 'lora.config.json');
    await writeFile(file, JSON.stringify({ redis: { url: 'redis://file:1' }, store: { url: 's3://from-file/x' }, log: { level: 'debug' } }));
    const fromFile = await loadConfig({ configPath: file, env: {} });
    expect(fromFile.redis.url).toBe('redis://file:1');
    const fromEnv = await loadConfig({ configPath: file, env: { REDIS_URL: 'redis://env:2', LORA_STORE: 's3://from-env' } });
    expect(fromEnv.redis.url).toBe('redis://env:2');
    expect(fromEnv.store.url).toBe('s3://from-env');
    expect(fromEnv.log.level).toBe('debug');
    const fromFlags = await loadConfig({ configPath: file, env: { REDIS_URL: 'redis://env:2' }, flags: [{ name: '--redis-url', values: { redis: { url: 'redis://flag:3' } } }] });
    expect(fromFlags.redis.url).toBe('redis://flag:3');
  });

  it('reports every bad key with its path, what was expected, what was found and where it came from', async () => {
    const file = join(folder, 'bad.json');
    await writeFile(file, JSON.stringify({ worker: { concurrency: 0, lockDuration: 5 }, log: { level: 'loud' } }));
    const error = await loadConfig({ configPath: file, env: { REDIS_URL: 'http://nope' } }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConfigError);
    const config = error as ConfigError;
    expect(config.exitCode).toBe(2);
    const lines = config.message.split('\n');
    expect(lines).toContain(`config: "worker.concurrency" must be >= 1, got 0 (from ${file})`);
    expect(lines).toContain(`config: "worker.lockDuration" is not a known key; remove it or check its spelling (from ${file})`);
    expect(lines).toContain(`config: "log.level" must be one of trace|debug|info|warn|error|fatal|silent, got "loud" (from ${file})`);
    expect(lines).toContain('config: "redis.url" must be a valid url, got "http://nope" (from REDIS_URL)');
  });

  it('names a missing --config file and a file that is not JSON', async () => {
    await expect(loadConfig({ configPath: join(folder, 'absent.json'), env: {} })).rejects.toThrow(/absent\.json: cannot be read/);
    const broken = join(folder, 'broken.json');
    await writeFile(broken, '{"redis": ');
    await expect(loadConfig({ configPath: broken, env: {} })).rejects.toThrow(/broken\.json: must be JSON/);
  });

  it('ignores a missing default config file', async () => {
    const config = await loadConfig({ defaultConfigPath: join(folder, 'lora.config.missing.json'), env: {} });
    expect(config.redis.prefix).toBe('lora');
  });
});
