import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

describe('lora CLI on bad input', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'lora-cli-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('prints every problem of a malformed spec with its line and path, and exits 2', async () => {
    const spec = join(folder, 'bad.yaml');
    await writeFile(spec, 'schemaVersion: 2\nname: ok\ndataset:\n  format: xml\ntraining:\n  batchSize: "eight"\n');
    const result = await runCli(['jobs', 'submit', spec]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${spec} line 1: "schemaVersion" must be one of 1, got 2`);
    expect(result.stderr).toContain(`${spec} line 3: "dataset.source" must be a string, got nothing`);
    expect(result.stderr).toContain(`${spec} line 4: "dataset.format" must be one of auto|openai-chat|alpaca|prompt-completion|csv|tsv, got "xml"`);
    expect(result.stderr).toContain(`${spec} line 6: "training.batchSize" must be a number, got "eight"`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('fails within seconds with one line naming an unreachable Redis, and exits 1', async () => {
    const result = await runCli(['jobs', 'list'], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('error: cannot reach Redis at redis://127.0.0.1:1: ECONNREFUSED; start redis-server or set REDIS_URL');
  }, 15_000);

  it('reports every bad key of the config file and exits 2', async () => {
    const config = join(folder, 'lora.config.json');
    await writeFile(config, JSON.stringify({ redis: { url: 'localhost' }, worker: { concurrency: 'many' } }));
    const result = await runCli(['--config', config, 'jobs', 'list']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`config: "redis.url" must be a valid url, got "localhost" (from ${config})`);
    expect(result.stderr).toContain(`config: "worker.concurrency" must be a number, got "many" (from ${config})`);
  });

  it('exits 2 on an unknown command or option', async () => {
    expect((await runCli(['jobs', 'frobnicate'])).code).toBe(2);
    expect((await runCli(['jobs', 'list', '--state', 'sleeping'])).code).toBe(2);
  });

  it('says which run does not exist', async () => {
    const result = await runCli(['jobs', 'show', 'run-nope'], { LORA_REDIS_PREFIX: 'lora-test-missing' });
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toBe('error: run "run-nope" does not exist; see `lora jobs list`');
  });
});
