import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LanguageModel } from '../../adapters/index.js';
import { FileStore } from '../../core/index.js';
import { createOpenAiCompatibleProvider, evalReport, findPrice, loadPriceCatalog, rubric, runEval, type EvalInputItem, type EvalParticipant, type EvalReport, type RunEvalInput } from '../../evals/index.js';
import { createLocalModelProvider } from '../../evals/local/local-model-provider.js';
import { completionBody, sendJson, startChatCompletionsServer, type ChatCompletionsServer } from './providers/chat-completions-server.js';

// Labels the tiny model has never seen, so the candidate (the base model without an adapter) gets none right
// whatever its weights: the tests check how the evaluator treats answers, not what the model says.
const labels = ['quokka', 'narwhal', 'axolotl', 'pangolin'];
const labelOf = (index: number) => labels[index % labels.length]!;

const items: EvalInputItem[] = Array.from({ length: 12 }, (_, index) => ({
  id: `item-${index}`,
  messages: [
    { role: 'system', content: 'Name the animal the ticket is about, in one word.' },
    { role: 'user', content: `Ticket ${index}: the keeper reports that enclosure ${index} needs a visit today.` },
  ],
  reference: labelOf(index),
  label: labelOf(index),
}));

/** Tokens the server bills item `index` for; every count differs, so a wrong sum shows. */
const usageOf = (index: number) => ({ prompt: 40 + index, completion: 2 + (index % 3), cached: index % 4 === 0 ? 16 : 0 });

/** A Chat Completions server that gives the reference label for even items and a wrong one for odd items. */
async function labelServer(): Promise<ChatCompletionsServer> {
  return startChatCompletionsServer((request, response) => {
    const messages = request.body.messages as { content: string }[];
    const index = Number(/Ticket (\d+):/.exec(messages.at(-1)!.content)![1]);
    sendJson(response, 200, completionBody(index % 2 === 0 ? labelOf(index) : labelOf(index + 1), usageOf(index)));
  });
}

/** The item indices of the requests a server received, in arrival order. */
const requestedItems = (server: ChatCompletionsServer, from = 0) =>
  server.requests.slice(from).map((request) => Number(/Ticket (\d+):/.exec((request.body.messages as { content: string }[]).at(-1)!.content)![1]));

const ascending = (left: number, right: number) => left - right;

const rubricOf = (margin: number) => rubric.parse({ metrics: [{ name: 'accuracy' }, { name: 'exact_match' }], margin });

describe('runEval with the tiny model against an OpenAI-compatible server on loopback', () => {
  let model: LanguageModel;
  let server: ChatCompletionsServer;
  let folder: string;
  let store: FileStore;
  let first: EvalReport;
  const catalog = loadPriceCatalog();

  /** A fresh candidate, as each `lora evals run` process has: the tiny model in process, priced by compute. */
  function candidate(): EvalParticipant {
    const description = 'builtin:tiny without an adapter, in process';
    return { provider: createLocalModelProvider({ id: 'builtin:tiny', description, model }), description, cost: { kind: 'compute', usdPerHour: 0.1 } };
  }

  /** The server as an `openai:MODEL` baseline, priced by the catalog entry `reference`. */
  function baseline(target: ChatCompletionsServer, reference = 'openai:gpt-5.2', options: { concurrency?: number; fetch?: typeof fetch } = {}): EvalParticipant {
    const provider = createOpenAiCompatibleProvider({ model: 'gpt-5.2', baseUrl: target.baseUrl, apiKey: 'test-key', env: {}, retryBaseDelayMs: 10, ...options });
    return { provider, description: `${provider.id} at ${provider.endpoint}`, cost: { kind: 'catalog', reference } };
  }

  function input(id: string, overrides: Partial<RunEvalInput> = {}): RunEvalInput {
    return {
      id,
      store,
      items,
      candidate: candidate(),
      baseline: baseline(server),
      rubric: rubricOf(0.05),
      catalog,
      adapter: 'builtin:tiny',
      dataset: 'animals@synthetic',
      baselineSpec: 'openai:gpt-5.2',
      trainingLoss: null,
      ...overrides,
    };
  }

  beforeAll(async () => {
    model = await LanguageModel.load('adapters/tiny-model/lora-tiny', { name: 'builtin:tiny', backend: 'wasm' });
    server = await labelServer();
    folder = await mkdtemp(join(tmpdir(), 'lora-run-eval-'));
    store = new FileStore(folder);
    first = await runEval(input('ev-first'));
  }, 120_000);

  afterAll(async () => {
    await server?.close();
    model?.dispose();
    await rm(folder, { recursive: true, force: true });
  });

  it('answers every item on both sides and writes a report that validates, with the baseline right on exactly half', () => {
    expect(evalReport.parse(first)).toEqual(first);
    expect(first.n).toBe(12);
    expect(first.items).toHaveLength(12);
    expect(first.baseline.quality.accuracy!.mean).toBe(0.5);
    expect(first.baseline.quality.exact_match!.mean).toBe(0.5);
    expect(first.items.map((item) => item.baseline.scores.accuracy)).toEqual(items.map((_, index) => (index % 2 === 0 ? 1 : 0)));
    expect(first.candidate.quality.accuracy!.mean, `the tiny model should not know the made-up labels; it said ${first.items.map((item) => item.candidate.output).join(' | ')}`).toBe(0);
    expect(first.metrics.map((metric) => metric.metric)).toEqual(['accuracy', 'exact_match']);
    expect(first.metrics.every((metric) => metric.binary && metric.mcnemar !== null)).toBe(true);
    expect(requestedItems(server).sort(ascending)).toEqual(items.map((_, index) => index));
  });

  it('adds up the usage the server reported and prices the baseline at the catalog price of GPT-5.2', () => {
    const sent = items.map((_, index) => usageOf(index));
    const promptTokens = sent.reduce((sum, usage) => sum + usage.prompt, 0);
    const cachedPromptTokens = sent.reduce((sum, usage) => sum + usage.cached, 0);
    const completionTokens = sent.reduce((sum, usage) => sum + usage.completion, 0);
    expect(first.baseline.usage).toEqual({ promptTokens, completionTokens, cachedPromptTokens });

    const price = findPrice(catalog, 'openai:gpt-5.2')!;
    expect(price).toMatchObject({ inputPer1M: 1.75, cachedInputPer1M: 0.175, outputPer1M: 14 });
    const dollars = ((promptTokens - cachedPromptTokens) * 1.75 + cachedPromptTokens * 0.175 + completionTokens * 14) / 1e6;
    expect(first.baseline.cost.totalUsd).toBeCloseTo(dollars, 12);
    expect(first.baseline.cost.usdPer1kRequests).toBeCloseTo((dollars * 1000) / 12, 12);
    expect(first.baseline.cost.usdPer1MTokens).toBeCloseTo((dollars * 1e6) / (promptTokens + completionTokens), 9);
    expect(first.baseline.cost.basis).toContain('openai:gpt-5.2');
    expect(first.baseline.cost.basis).toContain(catalog.version);
    expect(first.priceCatalogVersion).toBe(catalog.version);
  });

  it('prices the candidate by its measured compute time at the configured hourly price', () => {
    const seconds = first.candidate.computeSeconds!;
    expect(seconds).toBeGreaterThan(0);
    expect(first.candidate.cost.basis).toMatch(/^measured compute [\d.]+ s at a configured \$0\.1\/hour$/);
    expect(first.candidate.cost.totalUsd).toBeCloseTo((0.1 * seconds) / 3600, 15);
    expect(first.costRatio).toBeCloseTo(first.candidate.cost.usdPer1kRequests! / first.baseline.cost.usdPer1kRequests!, 12);
  });

  it('reruns an eval from its saved answers without a request to the server and with the same scores and costs', async () => {
    const before = server.requests.length;

    const again = await runEval(input('ev-first'));

    expect(server.requests.length).toBe(before);
    expect(again.candidate.quality).toEqual(first.candidate.quality);
    expect(again.baseline.quality).toEqual(first.baseline.quality);
    expect(again.difference).toEqual(first.difference);
    expect(again.metrics).toEqual(first.metrics);
    expect(again.items).toEqual(first.items);
    expect(again.baseline.usage).toEqual(first.baseline.usage);
    expect(again.baseline.cost).toEqual(first.baseline.cost);
    // The answers were paid for in the first run; a rerun that finds them all saved must not price them at $0.
    expect(again.candidate.computeSeconds).toBeCloseTo(first.candidate.computeSeconds!, 9);
    expect(again.candidate.cost.totalUsd).toBeCloseTo(first.candidate.cost.totalUsd!, 15);
  });

  it('resumes an aborted eval by asking the server only for the items it has no answer for', async () => {
    const resumable = await labelServer();
    try {
      const controller = new AbortController();
      // The baseline sends its first request once the candidate has answered all 12 items, then one request per
      // reported answer, so that no request is in flight when the run is aborted after 5 baseline answers.
      let done = 0;
      const paced = pacedFetch((sent) => done >= items.length + sent, controller.signal);
      const onProgress = (count: number) => {
        done = count;
        if (count === items.length + 5) controller.abort(new Error('stopped by the test'));
        paced.wake();
      };

      await expect(runEval(input('ev-resumed', { baseline: baseline(resumable, 'openai:gpt-5.2', { concurrency: 1, fetch: paced.fetch }), signal: controller.signal, onProgress }))).rejects.toMatchObject({
        code: 'provider-aborted',
      });
      const answeredFirst = requestedItems(resumable);
      expect(answeredFirst).toHaveLength(5);
      expect(await savedAnswers('ev-resumed', 'baseline')).toEqual(answeredFirst.sort(ascending));

      const report = await runEval(input('ev-resumed', { baseline: baseline(resumable) }));

      expect(resumable.requests).toHaveLength(12);
      expect(requestedItems(resumable, 5).sort(ascending)).toEqual(items.map((_, index) => index).filter((index) => !answeredFirst.includes(index)));
      expect(report.n).toBe(12);
      expect(report.baseline.quality.accuracy!.mean).toBe(0.5);
      expect(report.baseline.usage).toEqual(first.baseline.usage);
    } finally {
      await resumable.close();
    }
  });

  it('reports the cost of a baseline the catalog has no price for as unknown, never $0, and fails the gate on it', async () => {
    const before = server.requests.length;

    const report = await runEval(input('ev-first', { baseline: baseline(server, 'openai:fake-model'), baselineSpec: 'openai:fake-model' }));

    expect(server.requests.length).toBe(before);
    expect(report.baseline.cost).toMatchObject({ totalUsd: null, usdPer1MTokens: null, usdPer1kRequests: null });
    expect(report.baseline.cost.basis).toContain('no price for openai:fake-model');
    expect(report.costRatio).toBeNull();
    expect(report.gate.passed).toBe(false);
    expect(report.gate.reasons).toContainEqual(expect.stringContaining('the cost ratio is unknown'));
  });

  it('turns a LOSE at margin 0 into NON_INFERIOR at margin 0.9 on the same saved answers', async () => {
    const before = server.requests.length;

    const strict = await runEval(input('ev-first', { rubric: rubricOf(0) }));
    const lenient = await runEval(input('ev-first', { rubric: rubricOf(0.9) }));

    expect(server.requests.length).toBe(before);
    expect(strict.difference).toEqual(lenient.difference);
    expect(strict.difference.accuracy!.mean).toBe(-0.5);
    expect(strict.metrics.map((metric) => metric.verdict)).toEqual(['LOSE', 'LOSE']);
    expect(strict.verdict).toBe('LOSE');
    expect(lenient.metrics.map((metric) => metric.verdict)).toEqual(['NON_INFERIOR', 'NON_INFERIOR']);
    expect(lenient.verdict).toBe('NON_INFERIOR');
    expect(lenient.margin).toBe(0.9);
  });

  /** The item indices a side has saved answers for under `evals/ID/items/`. */
  async function savedAnswers(id: string, side: 'candidate' | 'baseline'): Promise<number[]> {
    const indices: number[] = [];
    for await (const object of store.list(`evals/${id}/items/`)) {
      const match = /(\d+)\.(candidate|baseline)\.json$/.exec(object.key);
      if (match?.[2] === side) indices.push(Number(match[1]));
    }
    return indices.sort(ascending);
  }
});

/**
 * A fetch that sends request number `sent + 1` only once `ready(sent)` holds, checked again on each `wake()`,
 * and that sends nothing once `signal` is aborted.
 */
function pacedFetch(ready: (sent: number) => boolean, signal: AbortSignal): { fetch: typeof fetch; wake: () => void } {
  let sent = 0;
  let waiting: (() => void)[] = [];
  return {
    fetch: async (url, init) => {
      while (!ready(sent) && !signal.aborted) await new Promise<void>((resolve) => waiting.push(resolve));
      signal.throwIfAborted();
      sent += 1;
      return fetch(url, init);
    },
    wake: () => {
      const woken = waiting;
      waiting = [];
      for (const resolve of woken) resolve();
    },
  };
}
