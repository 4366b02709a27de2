import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStore } from '../../core/index.js';
import { removePrefix, testConnection, testPrefix } from '../support/redis-test.js';
import { runCli, spawnCli } from '../support/cli.js';

describe('lora CLI with a worker on real Redis', () => {
  let folder: string;
  let env: NodeJS.ProcessEnv;
  const prefix = testPrefix();

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'lora-cli-run-'));
    await cp('examples/support-triage', join(folder, 'spec'), { recursive: true });
    // A few training steps are enough to check the flow; the demo's full training is the end-to-end test's job.
    const specPath = join(folder, 'spec', 'pipeline.yaml');
    await writeFile(specPath, (await readFile(specPath, 'utf8')).replace('  seed: 42', '  seed: 42\n  maxSteps: 4'));
    env = { LORA_REDIS_PREFIX: prefix, LORA_STORE: `file://${join(folder, 'store')}` };
  });

  afterAll(async () => {
    const connection = testConnection();
    await removePrefix(connection, prefix);
    connection.disconnect();
    await rm(folder, { recursive: true, force: true });
  });

  it('submits a spec, waits for it, shows it, and stops the worker gracefully on SIGTERM', async () => {
    const worker = spawnCli(['worker', '--concurrency', '2'], { ...env, LORA_LOG_LEVEL: 'info' });
    let workerLog = '';
    const ready = new Promise<void>((resolve) => {
      createInterface({ input: worker.stderr! }).on('line', (line) => {
        workerLog += `${line}\n`;
        if (line.includes('"event":"worker-start"')) resolve();
      });
    });
    const exited = new Promise<number | null>((resolve) => worker.on('exit', (code) => resolve(code)));
    await ready;

    const spec = join(folder, 'spec', 'pipeline.yaml');
    const submitted = await runCli(['jobs', 'submit', spec, '--wait', '--json'], env);
    expect(submitted.code).toBe(0);
    const { runId, state, created } = JSON.parse(submitted.stdout) as { runId: string; state: string; created: boolean };
    expect(runId).toMatch(/^run-[0-9a-f]{16}$/);
    expect(state).toBe('completed');
    expect(created).toBe(true);

    const again = await runCli(['jobs', 'submit', spec, '--json'], env);
    expect(JSON.parse(again.stdout)).toEqual({ runId, state: 'completed', created: false });

    const shown = JSON.parse((await runCli(['jobs', 'show', runId, '--json'], env)).stdout) as {
      id: string;
      state: string;
      stages: Array<{ name: string; state: string; progress: unknown; result: Record<string, unknown>; error: unknown }>;
    };
    expect(shown).toMatchObject({ id: runId, state: 'completed' });
    expect(shown.stages.map((stage) => stage.name)).toEqual(['curate', 'train', 'eval', 'register']);
    for (const stage of shown.stages) expect(Object.keys(stage)).toEqual(expect.arrayContaining(['name', 'state', 'progress', 'result', 'error']));
    expect(shown.stages[0]!.result).toMatchObject({ records: 239, rejected: 2, splits: { train: 169, validation: 20, test: 50 } });
    const trained = shown.stages[1]!.result as { adapter: { prefix: string; files: Array<{ name: string }> }; examples: { train: number }; metrics: { epochs: number; steps: number; trainLoss: [number, number][]; validationLoss: [number, number][] }; backend: string };
    expect(trained.examples.train).toBe(169);
    expect(trained.metrics).toMatchObject({ steps: 4, stoppedBy: 'max-steps' });
    expect(trained.metrics.trainLoss).toHaveLength(4);
    expect(trained.metrics.validationLoss.length).toBeGreaterThan(0);
    expect(trained.adapter.files.map((file) => file.name)).toEqual(['README.md', 'adapter_config.json', 'adapter_model.safetensors']);
    const evaluated = shown.stages[2]!.result as { verdict: string; gatePassed: boolean; reportKey: string; htmlKey: string; adapter: string; summary: { n: number } };
    expect(['WIN', 'NON_INFERIOR', 'LOSE', 'INCONCLUSIVE']).toContain(evaluated.verdict);
    expect(evaluated).toMatchObject({ adapter: 'support-triage@v1', summary: { n: 50 } });
    // The example promotes automatically exactly when the gate passes.
    expect(shown.stages[3]!.result).toMatchObject({ registered: true, version: 'support-triage@v1', promoted: evaluated.gatePassed });

    const listed = JSON.parse((await runCli(['jobs', 'list', '--json', '--state', 'completed'], env)).stdout) as Array<{ id: string }>;
    expect(listed.map((run) => run.id)).toEqual([runId]);

    const logs = await runCli(['jobs', 'logs', runId], env);
    expect(logs.stdout).toContain('[curate]');
    expect(logs.stdout).toContain('dataset curated');

    const store = new FileStore(join(folder, 'store'));
    const curate = shown.stages[0]!.result as { manifestKey: string };
    expect(await store.readJson(curate.manifestKey)).toMatchObject({
      name: 'support-triage',
      counts: { input: 244, invalid: 2, exactDuplicates: 1, nearDuplicates: 1, decontaminated: 1, kept: 239 },
      issuesByCode: { 'unknown-role': 1, 'invalid-json': 1 },
      pii: { EMAIL: 5, PHONE: 5, CREDIT_CARD: 4 },
    });
    expect((await readdir(join(folder, 'store', 'runs', runId, 'stages'))).sort()).toEqual(['curate.json', 'eval.json', 'register.json', 'train.json']);
    expect(await store.readJson(`${trained.adapter.prefix}adapter_config.json`)).toMatchObject({ peft_type: 'LORA', task_type: 'CAUSAL_LM', r: 8, lora_alpha: 16, target_modules: ['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj'] });
    expect(await store.readJson(evaluated.reportKey)).toMatchObject({ schemaVersion: 1, n: 50, adapter: 'support-triage@v1', baselineSpec: 'fewshot:base' });
    expect((await store.head(evaluated.htmlKey))?.size).toBeGreaterThan(1000);
    expect(await store.readJson(`${trained.adapter.prefix}lora-manifest.json`)).toMatchObject({ baseModel: { name: 'builtin:tiny' }, backend: { name: trained.backend }, seed: 42 });

    const broken = join(folder, 'spec', 'broken.yaml');
    await writeFile(join(folder, 'spec', 'broken.jsonl'), '{"messages": [{"role": "bot", "content": "hi"}]}\nnot json\n');
    await writeFile(broken, 'schemaVersion: 1\nname: broken\ndataset:\n  source: broken.jsonl\n');
    const failed = await runCli(['jobs', 'submit', broken, '--wait', '--json'], env);
    expect(failed.code).toBe(1);
    const failedRun = JSON.parse(failed.stdout) as { runId: string; state: string };
    expect(failedRun.state).toBe('failed');
    const failedShown = JSON.parse((await runCli(['jobs', 'show', failedRun.runId, '--json'], env)).stdout) as { stages: Array<{ state: string; error: string | null; attempts: number }> };
    expect(failedShown.stages[0]).toMatchObject({ state: 'failed', attempts: 1 });
    expect(failedShown.stages[0]!.error).toContain('2 of 2 records are invalid, more than maxInvalid 5%; first: line 1');

    worker.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(workerLog).toContain('"event":"worker-end"');
  });

  it('runs a whole pipeline in one process with `lora run` and prints a summary', async () => {
    const result = await runCli(['run', join(folder, 'spec', 'pipeline.yaml'), '--force'], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/curate: dataset ds-[0-9a-f]{16}: 239 records kept, 2 rejected/);
    expect(result.stdout).toMatch(/train: LoRA adapter on builtin:tiny \((wasm|cpu|tensorflow)\): 4 steps in \d+ s, best validation loss \d+\.\d+; PEFT folder runs\/run-[0-9a-f]{16}(-r\d+)?\/adapter\//);
    expect(result.stdout).toContain(`artifacts: file://${join(folder, 'store')}/runs/`);
  });

  it('compares against the real model with --baseline openai:MODEL, priced from the catalog', async () => {
    // An OpenAI-compatible server on loopback stands in for api.openai.com: it always answers "billing".
    const models: string[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        models.push((JSON.parse(body) as { model: string }).model);
        response.writeHead(200, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ id: 'c1', object: 'chat.completion', created: 0, model: 'gpt-5.2', choices: [{ index: 0, message: { role: 'assistant', content: 'billing' }, finish_reason: 'stop' }], usage: { prompt_tokens: 60, completion_tokens: 2, total_tokens: 62 } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const result = await runCli(['run', join(folder, 'spec', 'pipeline.yaml'), '--baseline', 'openai:gpt-5.2'], { ...env, OPENAI_BASE_URL: `http://127.0.0.1:${port}/v1`, OPENAI_API_KEY: 'test-key' });
      expect(result.code).toBe(0);
      expect(result.stdout).toMatch(/eval: \w+;.* — adapter vs openai:gpt-5\.2 on 50 test items: accuracy \d\.\d{3} vs \d\.\d{3}.*cost per 1,000 requests \$\S+ vs \$\S+ \(ratio \d/);
      expect(models.length).toBe(50);
      expect(new Set(models)).toEqual(new Set(['gpt-5.2']));
    } finally {
      server.close();
    }
  });
});
