import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { runCli } from '../support/cli.js';

const sample = 'examples/support-triage/data.jsonl';

describe('lora datasets', () => {
  let folder: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'lora-datasets-cli-'));
    env = { LORA_STORE: `file://${join(folder, 'store')}` };
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('curates the sample and prints the contract as JSON, then lists, shows and exports it', async () => {
    const result = await runCli(['datasets', 'curate', sample, '--name', 'triage', '--json'], env);
    expect(result.code).toBe(0);
    const curated = JSON.parse(result.stdout) as Record<string, unknown> & { id: string; counts: Record<string, number>; splits: Record<string, number>; issues: unknown[] };
    expect(curated).toMatchObject({
      name: 'triage',
      counts: { input: 244, invalid: 2, exactDuplicates: 1, nearDuplicates: 1, filtered: 0, decontaminated: 1, kept: 239 },
      pii: { EMAIL: 5, PHONE: 5, CREDIT_CARD: 4 },
      splits: { train: 214, validation: 15, test: 10 },
    });
    expect(curated.issues[0]).toEqual({ line: 38, code: 'unknown-role', path: 'messages[1].role', message: 'must be one of system|user|assistant|tool, got "bot"' });

    // On two worker threads the same input and settings give the same version.
    const again = JSON.parse((await runCli(['datasets', 'curate', sample, '--name', 'triage', '--workers', '2', '--json'], env)).stdout) as { id: string; created: boolean };
    expect(again).toMatchObject({ id: curated.id, created: false });

    const listed = JSON.parse((await runCli(['datasets', 'list', '--json'], env)).stdout) as Array<{ id: string; name: string }>;
    expect(listed).toEqual([expect.objectContaining({ id: curated.id, name: 'triage' })]);

    const shown = await runCli(['datasets', 'show', `triage@${curated.id}`], env);
    expect(shown.stdout).toContain(`dataset triage@${curated.id}`);
    expect(shown.stdout).toMatch(/test\s+10/);

    const exported = await runCli(['datasets', 'export', 'triage', '--split', 'test'], env);
    const lines = exported.stdout.trim().split('\n').map((line) => JSON.parse(line) as { schemaVersion: number; label: string });
    expect(lines).toHaveLength(10);
    expect(lines.every((record) => record.schemaVersion === 1)).toBe(true);
    expect(exported.stdout).not.toContain('dana.kim@example.org');
  });

  it('diffs two versions curated with different settings', async () => {
    const first = JSON.parse((await runCli(['datasets', 'curate', sample, '--name', 'diffed', '--json'], env)).stdout) as { id: string; counts: { kept: number } };
    const second = JSON.parse((await runCli(['datasets', 'curate', sample, '--name', 'diffed', '--pii', 'drop', '--json'], env)).stdout) as { id: string; counts: { piiDropped: number; kept: number } };
    expect(second.counts.piiDropped).toBeGreaterThan(0);
    const diff = JSON.parse((await runCli(['datasets', 'diff', `diffed@${first.id}`, `diffed@${second.id}`, '--json'], env)).stdout) as {
      config: Array<{ path: string; from: unknown; to: unknown }>;
      splits: Record<string, { added: number; removed: number }>;
    };
    expect(diff.config).toEqual([{ path: 'pii.mode', from: 'replace', to: 'drop' }]);
    // Records may move between splits (stratified cut points shift), but the net change is what was dropped.
    const removed = Object.values(diff.splits).reduce((sum, split) => sum + split.removed - split.added, 0);
    expect(removed).toBe(first.counts.kept - second.counts.kept);
  });

  it('reads a CSV file from an S3 bucket', async () => {
    const endpoint = inject('s3Endpoint');
    const bucket = `lora-csv-${randomBytes(4).toString('hex')}`;
    const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } });
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const csv = 'question,answer,category\n"Where is my parcel, it has been ten days",shipping,shipping\n"The app crashes on start since 5.0",bug,bug\n"Why was I charged twice?",billing,billing\n';
    await client.send(new PutObjectCommand({ Bucket: bucket, Key: 'in/tickets.csv', Body: csv }));
    client.destroy();
    const config = join(folder, 'csv.yaml');
    await writeFile(config, 'columns:\n  prompt: question\n  completion: answer\n  label: category\n');
    const result = await runCli(['datasets', 'curate', `s3://${bucket}/in/tickets.csv`, '--name', 'from-s3', '--config', config, '--json'], {
      ...env,
      LORA_S3_ENDPOINT: endpoint,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
    });
    expect(result.stderr).not.toContain('error');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ counts: { input: 3, kept: 3 }, splits: { train: 3, validation: 0, test: 0 } });
  });

  it('reports a bad curation config by line and exits 2', async () => {
    const config = join(folder, 'bad.yaml');
    await writeFile(config, 'dedupe:\n  near:\n    bands: zero\npii:\n  mode: hide\n');
    const result = await runCli(['datasets', 'curate', sample, '--name', 'bad', '--config', config], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${config} line 3: "dedupe.near.bands" must be a number, got "zero"`);
    expect(result.stderr).toContain(`${config} line 5: "pii.mode" must be one of replace|drop|off, got "hide"`);
  });

  it('refuses a --workers value that is not a count, with exit code 2', async () => {
    const result = await runCli(['datasets', 'curate', sample, '--name', 'threads', '--workers', 'many'], env);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--workers must be "auto" or a whole number of threads such as 2, got "many"');
  });

  it('names a missing source file and exits 1', async () => {
    const result = await runCli(['datasets', 'curate', join(folder, 'nope.jsonl'), '--name', 'missing'], env);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('nope.jsonl');
    expect(result.stderr).toContain('does not exist');
    expect(await readFile(join(folder, 'store', 'datasets', 'missing'), 'utf8').catch(() => 'absent')).toBe('absent');
  });
});
