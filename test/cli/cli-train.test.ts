import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadModelFolder, readPeftFolder, type ModelFolder } from '../../adapters/index.js';
import { removePrefix, testConnection, testPrefix } from '../support/redis-test.js';
import { runCli, type CliResult } from '../support/cli.js';

// The tiny model's weights are retrained from time to time: these tests check structure and contracts, never loss values or text.
const tinyFolder = 'adapters/tiny-model/lora-tiny';
const sample = 'examples/support-triage/data.jsonl';
const trainArgs = ['train', '--dataset', 'triage', '--base', 'builtin:tiny', '--name', 'triage', '--max-steps', '3', '--here', '--json'];

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The JSON a successful `--json` run printed; a failed run shows its stderr in the assertion message. */
function printedJson<T>(result: CliResult): T {
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

/** A usage or lookup failure: the exit code, one clear line on stderr, nothing on stdout, no stack trace. */
function expectRefused(result: CliResult, code: number, ...mentions: string[]): void {
  expect(result.code, result.stderr).toBe(code);
  expect(result.stdout).toBe('');
  for (const mention of mentions) expect(result.stderr).toContain(mention);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  expect(result.stderr).not.toContain('looks like a bug');
}

interface TrainOutput {
  runId: string;
  state: string;
  adapter: string | null;
  backend: string | null;
  metrics: { trainLoss: [number, number][]; validationLoss: [number, number][]; bestValidationLoss: number | null; steps: number } | null;
  artifact: string | null;
}

interface AdapterOutput {
  name: string;
  version: number;
  reference: string;
  aliases: string[];
  artifact: { uri: string; key: string; sha256: string };
  baseModel: { name: string; sha256: string };
  dataset: { name: string; version: string };
  hyperparameters: { lora: { r: number; target_modules: string[] } };
  metrics: Record<string, unknown>;
  eval: { reportId: string | null; verdict: string | null };
}

interface LedgerOutput {
  action: string;
  version: number;
  alias: string | null;
  from: number | null;
}

/** Checks what `train --json` promises for a run that trained 3 steps and registered `adapter`. */
function expectTrained(output: TrainOutput, adapter: string): void {
  expect(output).toMatchObject({ runId: expect.stringMatching(/^run-[0-9a-f]{16}(-r\d+)?$/), state: 'completed', adapter });
  expect(['wasm', 'cpu', 'tensorflow']).toContain(output.backend);
  expect(output.metrics?.steps).toBe(3);
  expect(output.metrics?.trainLoss.map(([step]) => step)).toEqual([1, 2, 3]);
  expect(output.metrics?.validationLoss.length).toBeGreaterThan(0);
  expect(output.metrics?.bestValidationLoss).toEqual(expect.any(Number));
  expect(output.artifact).toBe(`runs/${output.runId}/adapter/`);
}

describe('lora train and lora adapters on real Redis', () => {
  const prefix = testPrefix();
  let folder: string;
  let env: NodeJS.ProcessEnv;
  let datasetId: string;
  let first: TrainOutput;
  let tiny: ModelFolder;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'lora-train-cli-'));
    env = { LORA_STORE: `file://${join(folder, 'store')}`, LORA_REDIS_PREFIX: prefix, LORA_LOG_LEVEL: 'warn' };
    datasetId = printedJson<{ id: string }>(await runCli(['datasets', 'curate', sample, '--name', 'triage', '--json'], env)).id;
    tiny = await loadModelFolder(tinyFolder);
  }, 120_000);

  afterAll(async () => {
    const connection = testConnection();
    await removePrefix(connection, prefix);
    connection.disconnect();
    await rm(folder, { recursive: true, force: true });
  });

  it('trains an adapter with a worker in the process and registers it as triage@v1', async () => {
    first = printedJson<TrainOutput>(await runCli(trainArgs, env));
    expectTrained(first, 'triage@v1');
  }, 120_000);

  it('lists triage@v1 as the candidate', async () => {
    const listed = printedJson<AdapterOutput[]>(await runCli(['adapters', 'list', '--json'], env));
    expect(listed.map(({ reference, aliases }) => ({ reference, aliases }))).toEqual([{ reference: 'triage@v1', aliases: ['candidate'] }]);
  });

  it('shows the version and exports it as a PEFT folder whose weights have the sha256 the registry records', async () => {
    const shown = printedJson<AdapterOutput>(await runCli(['adapters', 'show', 'triage@v1', '--json'], env));
    expect(shown).toMatchObject({
      name: 'triage',
      version: 1,
      aliases: ['candidate'],
      artifact: { uri: expect.stringContaining(first.artifact!), key: first.artifact, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
      baseModel: { name: 'builtin:tiny', sha256: tiny.sha256 },
      dataset: { name: 'triage', version: datasetId },
      hyperparameters: { lora: { r: 8, target_modules: ['q_proj', 'v_proj'] } },
      metrics: { steps: 3 },
      eval: { reportId: null, verdict: null },
    });

    const out = join(folder, 'peft');
    expect((await runCli(['adapters', 'export', 'triage@v1', '--out', out], env)).code).toBe(0);
    expect(await readdir(out)).toEqual(expect.arrayContaining(['README.md', 'adapter_config.json', 'adapter_model.safetensors']));
    expect(sha256(await readFile(join(out, 'adapter_model.safetensors')))).toBe(shown.artifact.sha256);
    const config = JSON.parse(await readFile(join(out, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({ peft_type: 'LORA', task_type: 'CAUSAL_LM', r: 8, target_modules: ['q_proj', 'v_proj'] });
    expect(await readFile(join(out, 'README.md'), 'utf8')).toContain('library_name: peft');

    const peft = await readPeftFolder(out, tiny.config);
    expect(peft.settings).toMatchObject({ r: 8, target_modules: ['q_proj', 'v_proj'] });
    expect(peft.tensors.size).toBe(tiny.config.numLayers * 2 * 2);
  });

  it('exports the version merged into its base as a model folder with the base tensors', async () => {
    const out = join(folder, 'merged');
    expect((await runCli(['adapters', 'export', 'triage@v1', '--format', 'merged', '--out', out], env)).code).toBe(0);
    const merged = await loadModelFolder(out);
    expect(merged.config).toEqual(tiny.config);
    expect([...merged.weights.keys()].sort()).toEqual([...tiny.weights.keys()].sort());
    for (const [name, tensor] of tiny.weights) expect(merged.weights.get(name)?.shape, name).toEqual(tensor.shape);
  });

  it('trains again with --force as triage@v2, which takes the candidate alias, as the ledger records', async () => {
    const second = printedJson<TrainOutput>(await runCli([...trainArgs, '--force'], env));
    expectTrained(second, 'triage@v2');
    expect(second.runId).not.toBe(first.runId);

    const listed = printedJson<AdapterOutput[]>(await runCli(['adapters', 'list', '--name', 'triage', '--json'], env));
    expect(listed.map(({ reference, aliases }) => ({ reference, aliases }))).toEqual([
      { reference: 'triage@v2', aliases: ['candidate'] },
      { reference: 'triage@v1', aliases: [] },
    ]);

    const history = printedJson<LedgerOutput[]>(await runCli(['adapters', 'history', 'triage', '--json'], env));
    expect(history.map(({ action, version, alias, from }) => ({ action, version, alias, from }))).toEqual([
      { action: 'registered', version: 1, alias: 'candidate', from: null },
      { action: 'registered', version: 2, alias: 'candidate', from: 1 },
    ]);
  }, 120_000);

  it('refuses an unknown dataset, a bad adapter name, a missing version and an unknown target module with a clear message', async () => {
    const [unknownDataset, badName, missingVersion, badTargets] = await Promise.all([
      runCli(['train', '--dataset', 'nope', '--base', 'builtin:tiny', '--name', 'triage', '--max-steps', '3'], env),
      runCli(['train', '--dataset', 'triage', '--base', 'builtin:tiny', '--name', 'Bad Name'], env),
      runCli(['adapters', 'show', 'triage@v9'], env),
      runCli(['train', '--dataset', 'triage', '--base', 'builtin:tiny', '--name', 'triage', '--targets', 'c_attn'], env),
    ]);
    expectRefused(unknownDataset, 2, '"nope"', 'lora datasets list');
    expectRefused(badName, 2, '--name', '"Bad Name"');
    expectRefused(missingVersion, 1, 'triage@v9', 'lora adapters list --name triage');
    expectRefused(badTargets, 2, '--targets', 'c_attn', 'q_proj');
  });
});
