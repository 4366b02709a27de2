import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStore } from '../../core/index.js';
import { canonicalRecord, resolveDataset, splitLines } from '../../datasets/index.js';
import { removePrefix, testConnection, testPrefix } from '../support/redis-test.js';
import { runCli, type CliResult } from '../support/cli.js';
import { completionBody, sendJson, startChatCompletionsServer, type ChatCompletionsServer } from '../evals/providers/chat-completions-server.js';

// The tiny model's weights are retrained from time to time: these tests check the commands and the report's contract,
// never what the adapter answers.
const sample = 'examples/support-triage/data.jsonl';

/** The JSON a successful `--json` run printed; a failed run shows its stderr in the assertion message. */
function printedJson<T>(result: CliResult): T {
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

/** A usage failure: exit code 2, the mentions on stderr, nothing on stdout, no stack trace. */
function expectRefused(result: CliResult, ...mentions: string[]): void {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stdout).toBe('');
  for (const mention of mentions) expect(result.stderr).toContain(mention);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

const estimate = { mean: expect.any(Number), ci: [expect.any(Number), expect.any(Number)] };
const price = expect.toSatisfy((value: unknown) => value === null || typeof value === 'number');
const side = {
  model: expect.any(String),
  quality: { accuracy: estimate },
  cost: { usdPer1MTokens: price, usdPer1kRequests: price },
  latencyMs: { p50: expect.any(Number), p95: expect.any(Number) },
  usage: { promptTokens: expect.any(Number), completionTokens: expect.any(Number) },
};

interface RunOutput {
  id: string;
  verdict: string;
  n: number;
  createdAt: string;
  gate: { passed: boolean; reasons: string[] };
  candidate: { model: string; quality: Record<string, { mean: number }>; cost: { totalUsd: number | null; basis: string }; usage: { promptTokens: number; completionTokens: number } };
  baseline: { model: string; quality: Record<string, { mean: number }>; cost: { totalUsd: number | null; basis: string }; usage: { promptTokens: number; completionTokens: number } };
  items?: unknown;
}

describe('lora evals against an OpenAI-compatible server on loopback', () => {
  const prefix = testPrefix();
  let folder: string;
  let env: NodeJS.ProcessEnv;
  let server: ChatCompletionsServer;
  let rubricPath: string;
  let evalArgs: string[];
  let run: RunOutput;
  const labelByQuestion = new Map<string, string>();

  beforeAll(async () => {
    // The baseline knows the label of every test record and bills 30 prompt and 2 completion tokens per request.
    server = await startChatCompletionsServer((request, response) => {
      const question = (request.body.messages as { role: string; content: string }[]).find((message) => message.role === 'user')?.content ?? '';
      sendJson(response, 200, completionBody(labelByQuestion.get(question) ?? 'unknown', { prompt: 30, completion: 2, cached: 0 }));
    });
    folder = await mkdtemp(join(tmpdir(), 'lora-evals-cli-'));
    env = { LORA_STORE: `file://${join(folder, 'store')}`, LORA_REDIS_PREFIX: prefix, LORA_LOG_LEVEL: 'warn', OPENAI_BASE_URL: server.baseUrl, OPENAI_API_KEY: 'test-key' };
    rubricPath = join(folder, 'rubric.json');
    await writeFile(rubricPath, JSON.stringify({ metrics: [{ name: 'accuracy' }], maxItems: 10, cost: { usdPerComputeHour: 0.1 } }));
    evalArgs = ['evals', 'run', '--adapter', 'triage@v1', '--dataset', 'triage', '--baseline', 'openai:fake-model', '--rubric', rubricPath, '--json'];

    printedJson(await runCli(['datasets', 'curate', sample, '--name', 'triage', '--json'], env));
    const store = new FileStore(join(folder, 'store'));
    for await (const line of splitLines(store, await resolveDataset(store, 'triage'), 'test')) {
      const record = canonicalRecord.parse(JSON.parse(line));
      labelByQuestion.set(record.messages.find((message) => message.role === 'user')!.content, record.label!);
    }
    printedJson(await runCli(['train', '--dataset', 'triage', '--base', 'builtin:tiny', '--name', 'triage', '--max-steps', '3', '--here', '--json'], env));
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    const connection = testConnection();
    await removePrefix(connection, prefix);
    connection.disconnect();
    if (folder !== undefined) await rm(folder, { recursive: true, force: true });
  });

  it('evaluates triage@v1 against openai:fake-model on 10 test items and prints the report as JSON', async () => {
    run = printedJson<RunOutput>(await runCli(evalArgs, env));

    expect(run).toMatchObject({
      id: expect.stringMatching(/^ev-[0-9a-f]{16}$/),
      verdict: expect.stringMatching(/^(WIN|NON_INFERIOR|LOSE|INCONCLUSIVE)$/),
      n: 10,
      adapter: 'triage@v1',
      baselineSpec: 'openai:fake-model',
      priceCatalogVersion: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/),
      candidate: { ...side, model: 'triage@v1' },
      baseline: { ...side, model: 'openai:fake-model' },
      difference: { accuracy: estimate },
    });
    expect(run).not.toHaveProperty('items');
    expect(server.requests).toHaveLength(10);
    expect(server.requests[0]).toMatchObject({ path: '/v1/chat/completions', headers: { authorization: 'Bearer test-key' }, body: { model: 'fake-model', temperature: 0 } });
    expect(run.baseline.quality.accuracy!.mean).toBe(1);
    expect(run.baseline.usage).toMatchObject({ promptTokens: 300, completionTokens: 20 });
    // fake-model has no catalog price: its cost is unknown, never $0, and the gate says so.
    expect(run.baseline.cost.totalUsd).toBeNull();
    expect(run.gate.passed).toBe(false);
    expect(run.gate.reasons).toContainEqual(expect.stringContaining('the cost ratio is unknown'));
    expect(run.candidate.cost.basis).toContain('measured compute');
  }, 120_000);

  it('lists the eval and shows it as the same JSON, as an HTML page and as Markdown', async () => {
    const [listed, shown, html, markdown] = await Promise.all([
      runCli(['evals', 'list', '--json'], env),
      runCli(['evals', 'show', run.id, '--json'], env),
      runCli(['evals', 'show', run.id, '--format', 'html'], env),
      runCli(['evals', 'show', run.id, '--format', 'md'], env),
    ]);

    expect(printedJson(listed)).toEqual([expect.objectContaining({ id: run.id, verdict: run.verdict, adapter: 'triage@v1', baseline: 'openai:fake-model', n: 10 })]);
    expect(printedJson(shown)).toEqual(run);
    expect(html.code, html.stderr).toBe(0);
    expect(html.stdout.startsWith('<!doctype html>')).toBe(true);
    expect(html.stdout).toContain(run.id);
    expect(markdown.code, markdown.stderr).toBe(0);
    expect(markdown.stdout).toMatch(/^# Eval report: triage@v1\n/);
    expect(markdown.stdout).toContain('| ');
  });

  it('compares the eval with itself side by side', async () => {
    const [table, rows] = await Promise.all([runCli(['evals', 'compare', run.id, run.id], env), runCli(['evals', 'compare', run.id, run.id, '--json'], env)]);

    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout.split('\n').filter((line) => line.startsWith(run.id))).toHaveLength(2);
    expect(printedJson(rows)).toEqual([
      expect.objectContaining({ id: run.id, verdict: run.verdict, quality: { accuracy: run.candidate.quality.accuracy!.mean } }),
      expect.objectContaining({ id: run.id, verdict: run.verdict }),
    ]);
  });

  it('records the eval on the adapter version', async () => {
    const shown = printedJson<{ eval: { reportId: string | null; verdict: string | null; gatePassed?: boolean } }>(await runCli(['adapters', 'show', 'triage@v1', '--json'], env));

    expect(shown.eval).toMatchObject({ reportId: run.id, verdict: run.verdict, gatePassed: false });
  });

  it('reruns the eval from its saved answers without a request to the server, with the same scores and costs', async () => {
    const before = server.requests.length;

    const again = printedJson<RunOutput>(await runCli(evalArgs, env));

    expect(server.requests.length).toBe(before);
    const { createdAt: _first, ...firstRest } = run;
    const { createdAt: _again, ...againRest } = again;
    expect(againRest).toEqual(firstRest);
  }, 120_000);

  it('refuses an unknown eval id and a rubric with a bad field, with exit code 2', async () => {
    const badRubric = join(folder, 'bad-rubric.json');
    await writeFile(badRubric, JSON.stringify({ metrics: [{ name: 'accuracy' }], margin: 1.5 }));

    const [unknown, invalid] = await Promise.all([
      runCli(['evals', 'show', 'ev-0000000000000000'], env),
      runCli(['evals', 'run', '--adapter', 'triage@v1', '--dataset', 'triage', '--baseline', 'openai:fake-model', '--rubric', badRubric], env),
    ]);

    expectRefused(unknown, 'ev-0000000000000000', 'lora evals list');
    expectRefused(invalid, badRubric, '"margin"', '1.5');
  });
});
