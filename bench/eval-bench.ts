// Evaluator speed: how many items per second an HTTP baseline answers at concurrency 1, 8 and 32 against a
// loopback Chat Completions server with a fixed 50 ms latency (the provider alone, and a whole runEval with an
// instant candidate), and what scoring costs per 1,000 items for each built-in metric, with and without the
// bootstrap intervals an eval computes on top.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { FileStore } from '../core/index.js';
import {
  bootstrapMean,
  bootstrapStatistic,
  builtInMetrics,
  createMetricScorer,
  createOpenAiCompatibleProvider,
  createRecordedProvider,
  loadPriceCatalog,
  pairedBootstrapCorpusDifference,
  pairedBootstrapDifference,
  rubric,
  runEval,
  type EvalInputItem,
  type EvalItem,
  type MetricDefinition,
} from '../evals/index.js';
import { completionBody, sendJson, startChatCompletionsServer } from '../test/evals/providers/chat-completions-server.js';
import { quantile } from './stats.js';
import { seededRandom } from './synthetic-chat.js';
import { printTable } from './print-table.js';

const latencyMs = 50;
const labels = ['billing', 'bug', 'account', 'feature_request', 'shipping'];

function evalItems(count: number): EvalInputItem[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `item-${index}`,
    messages: [
      { role: 'system', content: `Reply with exactly one category: ${labels.join(', ')}.` },
      { role: 'user', content: `Ticket ${index}: the parcel for order ${1000 + index} has not arrived.` },
    ],
    reference: labels[index % labels.length]!,
    label: labels[index % labels.length]!,
  }));
}

/** Items per second of the baseline at each concurrency: `complete()` for every item at once, and a whole `runEval`. */
async function benchBaseline(count: number, concurrencies: readonly number[]): Promise<void> {
  const server = await startChatCompletionsServer(async (_request, response) => {
    await sleep(latencyMs);
    sendJson(response, 200, completionBody('shipping', { prompt: 40, completion: 2, cached: 0 }));
  });
  const folder = await mkdtemp(join(tmpdir(), 'lora-eval-bench-'));
  const rows: string[][] = [];
  try {
    const items = evalItems(count);
    const store = new FileStore(folder);
    // The candidate answers from memory, so the run's speed is the baseline's.
    const recorded = createRecordedProvider(items.map((item) => ({ id: item.id, messages: item.messages, recordedResponse: { text: item.reference, usage: { promptTokens: 40, completionTokens: 2 } } })));
    for (const concurrency of concurrencies) {
      const provider = () => createOpenAiCompatibleProvider({ model: 'bench-model', baseUrl: server.baseUrl, apiKey: 'bench-key', env: {}, concurrency });
      server.maxInFlight = 0;
      const direct = provider();
      let started = performance.now();
      await Promise.all(items.map((item) => direct.complete({ messages: item.messages, maxTokens: 16, temperature: 0 })));
      const directSeconds = (performance.now() - started) / 1000;
      const directInFlight = server.maxInFlight;

      server.maxInFlight = 0;
      const baseline = provider();
      started = performance.now();
      await runEval({
        id: `ev-bench-${concurrency}`,
        store,
        items,
        candidate: { provider: recorded, description: 'recorded answers', cost: { kind: 'tokens', usdPer1MTokens: 0.1 } },
        baseline: { provider: baseline, description: 'loopback server', cost: { kind: 'catalog', reference: 'openai:gpt-5.2' } },
        rubric: rubric.parse({ metrics: [{ name: 'accuracy' }], bootstrap: { resamples: 100 } }),
        catalog: loadPriceCatalog(),
        adapter: 'bench',
        dataset: 'bench',
        baselineSpec: 'openai:bench-model',
        trainingLoss: null,
      });
      const runSeconds = (performance.now() - started) / 1000;
      const ideal = Math.min(concurrency, count) / (latencyMs / 1000);
      rows.push([String(concurrency), ideal.toFixed(1), (count / directSeconds).toFixed(1), String(directInFlight), (count / runSeconds).toFixed(1), String(server.maxInFlight)]);
    }
  } finally {
    await server.close();
    await rm(folder, { recursive: true, force: true });
  }
  process.stdout.write(`baseline throughput: ${count} items per run, loopback server answering after ${latencyMs} ms, node ${process.version}\n`);
  printTable(['concurrency', 'ideal items/s', 'complete() items/s', 'max in flight', 'runEval items/s', 'max in flight'], rows);
}

/** Items, outputs and options on which a metric has something to do: about half right, some near misses. */
interface MetricFixture {
  items: EvalItem[];
  outputs: string[];
  options: Record<string, unknown>;
}

const words = ['the', 'parcel', 'arrived', 'late', 'and', 'damaged', 'refund', 'requested', 'for', 'order', 'invoice', 'charged', 'twice', 'login', 'fails', 'after', 'reset'];

function fixtureFor(metric: MetricDefinition, count: number, random: () => number): MetricFixture | undefined {
  const pick = <T>(values: readonly T[]) => values[Math.floor(random() * values.length)]!;
  const sentence = (length: number) => Array.from({ length }, () => pick(words)).join(' ');
  const label = () => pick(labels);
  const ticket = () => ({ category: label(), priority: 1 + Math.floor(random() * 3), tags: [pick(words), pick(words)] });
  const build = (make: (index: number) => { item: Omit<EvalItem, 'id'>; output: string }, options: Record<string, unknown> = {}): MetricFixture => {
    const made = Array.from({ length: count }, (_, index) => make(index));
    return { items: made.map((entry, index) => ({ id: `item-${index}`, ...entry.item })), outputs: made.map((entry) => entry.output), options };
  };
  switch (metric.name) {
    case 'exact_match':
    case 'token_f1':
    case 'rouge_l':
      return build(() => {
        const reference = sentence(12 + Math.floor(random() * 12));
        return { item: { reference }, output: random() < 0.5 ? reference : `${sentence(4)} ${reference.split(' ').slice(3).join(' ')}` };
      });
    case 'accuracy':
    case 'macro_f1':
    case 'regex_match':
      return build(
        () => {
          const expected = label();
          return { item: { reference: expected, label: expected }, output: random() < 0.5 ? expected : label() };
        },
        metric.name === 'regex_match' ? { pattern: `^(${labels.join('|')})$` } : {},
      );
    case 'json_valid':
    case 'json_schema':
    case 'json_fields':
      return build(
        () => {
          const reference = ticket();
          const roll = random();
          const output = roll < 0.5 ? JSON.stringify(reference) : roll < 0.8 ? JSON.stringify({ ...reference, category: label() }) : `${JSON.stringify(reference).slice(0, 20)}…`;
          return { item: { reference: JSON.stringify(reference) }, output };
        },
        metric.name === 'json_schema'
          ? { schema: { type: 'object', required: ['category', 'priority'], properties: { category: { enum: labels }, priority: { type: 'integer', minimum: 1, maximum: 3 }, tags: { type: 'array', items: { type: 'string' } } } } }
          : {},
      );
    default:
      return undefined;
  }
}

/** Median milliseconds of `run` over `repeats` runs, after one warm-up. */
function medianMs(repeats: number, run: () => void): number {
  run();
  const times: number[] = [];
  for (let repeat = 0; repeat < repeats; repeat += 1) {
    const started = performance.now();
    run();
    times.push(performance.now() - started);
  }
  return quantile(times, 0.5);
}

/** Scoring one side's outputs (the scorer built, options and items checked, every output scored), and the bootstrap runEval adds. */
function benchScoring(count: number, resamples: number): void {
  const random = seededRandom(7);
  const rows: string[][] = [];
  const bootstrap = { seed: 1, resamples };
  for (const metric of builtInMetrics) {
    const fixture = fixtureFor(metric, count, random);
    if (fixture === undefined) {
      rows.push([metric.name, metric.kind, 'no synthetic fixture', '']);
      continue;
    }
    const context = { items: fixture.items, options: fixture.options };
    const baselineOutputs = fixture.items.map((item) => item.label ?? item.reference);
    let scoreMs: number;
    let withBootstrapMs: number;
    if (metric.kind === 'item') {
      scoreMs = medianMs(20, () => {
        const scorer = createMetricScorer(metric, context);
        if (scorer.kind === 'item') scorer.scoreItems(fixture.outputs);
      });
      withBootstrapMs = medianMs(3, () => {
        const scorer = createMetricScorer(metric, context);
        if (scorer.kind !== 'item') return;
        const candidate = scorer.scoreItems(fixture.outputs);
        const baseline = scorer.scoreItems(baselineOutputs);
        bootstrapMean(candidate, bootstrap);
        bootstrapMean(baseline, bootstrap);
        pairedBootstrapDifference(candidate, baseline, bootstrap);
      });
    } else {
      scoreMs = medianMs(20, () => {
        const scorer = createMetricScorer(metric, context);
        if (scorer.kind === 'corpus') scorer.corpusValue(fixture.outputs);
      });
      withBootstrapMs = medianMs(3, () => {
        const scorer = createMetricScorer(metric, context);
        if (scorer.kind !== 'corpus') return;
        const candidate = (indices: ArrayLike<number>) => scorer.corpusValue(fixture.outputs, Array.from(indices));
        const baseline = (indices: ArrayLike<number>) => scorer.corpusValue(baselineOutputs, Array.from(indices));
        bootstrapStatistic(count, candidate, bootstrap);
        bootstrapStatistic(count, baseline, bootstrap);
        pairedBootstrapCorpusDifference(count, candidate, baseline, bootstrap);
      });
    }
    const per1k = 1000 / count;
    rows.push([metric.name, metric.kind, (scoreMs * per1k).toFixed(3), (withBootstrapMs * per1k).toFixed(1)]);
  }
  process.stdout.write(`\nscoring: ${count} synthetic items per run, median of 20 runs (3 with the bootstrap, ${resamples} resamples, both sides and the paired difference)\n`);
  printTable(['metric', 'kind', 'score ms / 1k items', 'with bootstrap ms / 1k items'], rows);
}

/** `npm run bench -- eval [--items 200] [--concurrency 1,8,32] [--scoring-items 1000] [--resamples 2000]`. */
export async function benchEval(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: { items: { type: 'string', default: '200' }, concurrency: { type: 'string', default: '1,8,32' }, 'scoring-items': { type: 'string', default: '1000' }, resamples: { type: 'string', default: '2000' } },
  });
  await benchBaseline(Number(values.items), values.concurrency.split(',').map(Number));
  benchScoring(Number(values['scoring-items']), Number(values.resamples));
}
