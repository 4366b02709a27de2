// Router speed on the built-in tiny model: latency percentiles, requests/s and completion tokens/s through the
// official OpenAI client at 1, 8 and 32 concurrent clients, for the base model and one registered adapter, and what
// the HTTP layer adds per request over calling LanguageModel.chat in-process on the same requests.
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import OpenAI from 'openai';
import { LanguageModel, type BackendPreference, type LoraAdapter } from '../adapters/index.js';
import { createRouter, type Router } from '../router/index.js';
import { openRouterWorld, promote, registerRandomAdapter, type RouterWorld } from '../test/router/router-fixture.js';
import { testRedisUrl } from '../test/support/redis-test.js';
import { mean, quantile } from './stats.js';
import { printTable } from './print-table.js';

const concurrencies = [1, 8, 32];
const adapterName = 'bench-adapter';

const questions = [
  'What is the capital of France?',
  'Say hello in Spanish.',
  'My invoice shows the wrong amount. What should I do?',
  'Name three colours.',
  'How many days are in a week?',
  'Write one sentence about the sea.',
  'Is it going to rain tomorrow?',
  'I forgot my password and cannot log in.',
  'Give me a word that rhymes with cat.',
  'What does a cat say?',
  'Where did my parcel go?',
  'Tell me a short joke.',
];

/** A message of the request set, in a shape both the OpenAI client and LanguageModel.chat accept. */
type BenchMessage = { role: 'system' | 'user'; content: string };

/** The request set: the questions in turn, some with a system prompt, so that prompt lengths vary. */
function benchConversations(count: number): BenchMessage[][] {
  return Array.from({ length: count }, (_, index) => {
    const user: BenchMessage = { role: 'user', content: questions[index % questions.length]! };
    return index % 3 === 0 ? [{ role: 'system', content: 'You are a helpful support assistant. Answer briefly.' }, user] : [user];
  });
}

/** One answered request as a client saw it. */
interface Answer {
  ms: number;
  completionTokens: number;
  text: string;
}

/** A run of the request set: each answer in request order, and the wall time of the whole run. */
interface RunResult {
  answers: Answer[];
  wallMs: number;
}

/** Sends every conversation through `clients`, each client sending its next request when its last one is answered. */
async function runClients(clients: readonly OpenAI[], model: string, conversations: readonly BenchMessage[][], maxTokens: number): Promise<RunResult> {
  const answers: Answer[] = new Array(conversations.length);
  let next = 0;
  const started = performance.now();
  await Promise.all(
    clients.map(async (client) => {
      for (let index = next++; index < conversations.length; index = next++) {
        const sent = performance.now();
        const completion = await client.chat.completions.create({ model, messages: conversations[index]!, max_tokens: maxTokens, temperature: 0 });
        answers[index] = { ms: performance.now() - sent, completionTokens: completion.usage?.completion_tokens ?? 0, text: completion.choices[0]?.message.content ?? '' };
      }
    }),
  );
  return { answers, wallMs: performance.now() - started };
}

/**
 * Each conversation through the router at concurrency 1 and then on the model itself with LanguageModel.chat, in
 * turn, so that both sides of every pair run under the same load on the machine; wall times are the sums.
 */
async function runPaired(client: OpenAI, target: { model: string; adapter: LoraAdapter | undefined }, model: LanguageModel, conversations: readonly BenchMessage[][], maxTokens: number): Promise<{ routed: RunResult; direct: RunResult }> {
  const routed: Answer[] = [];
  const direct: Answer[] = [];
  for (const conversation of conversations) {
    routed.push(...(await runClients([client], target.model, [conversation], maxTokens)).answers);
    const started = performance.now();
    const [generation] = await model.chat([conversation], { maxTokens, temperature: 0, adapter: target.adapter });
    direct.push({ ms: performance.now() - started, completionTokens: generation?.usage.completion_tokens ?? 0, text: generation?.text ?? '' });
  }
  const total = (answers: readonly Answer[]) => answers.reduce((sum, answer) => sum + answer.ms, 0);
  return { routed: { answers: routed, wallMs: total(routed) }, direct: { answers: direct, wallMs: total(direct) } };
}

function throughputRow(label: string, concurrency: string, result: RunResult): string[] {
  const latencies = result.answers.map((answer) => answer.ms);
  const seconds = result.wallMs / 1000;
  const tokens = result.answers.reduce((sum, answer) => sum + answer.completionTokens, 0);
  return [
    label,
    concurrency,
    String(result.answers.length),
    quantile(latencies, 0.5).toFixed(1),
    quantile(latencies, 0.95).toFixed(1),
    quantile(latencies, 0.99).toFixed(1),
    (result.answers.length / seconds).toFixed(2),
    (tokens / seconds).toFixed(1),
  ];
}

function overheadRow(label: string, routed: RunResult, direct: RunResult): string[] {
  const routedMs = mean(routed.answers.map((answer) => answer.ms));
  const directMs = mean(direct.answers.map((answer) => answer.ms));
  const differences = routed.answers.map((answer, index) => answer.ms - direct.answers[index]!.ms);
  const same = routed.answers.filter((answer, index) => answer.text === direct.answers[index]!.text).length;
  return [
    label,
    routedMs.toFixed(1),
    directMs.toFixed(1),
    (routedMs - directMs).toFixed(1),
    `${(((routedMs - directMs) / directMs) * 100).toFixed(1)}%`,
    quantile(differences, 0.5).toFixed(1),
    `${same}/${routed.answers.length}`,
  ];
}

/** Starts the router without API keys on 127.0.0.1 and a free port; returns it with its /v1 URL. */
async function startBenchRouter(world: RouterWorld): Promise<{ router: Router; baseUrl: string }> {
  // A limit far above what the bench sends: rate limiting is measured by its Redis call, never by a 429.
  const router = createRouter({ model: world.model, registry: world.registry, store: world.store, redis: world.connection, prefix: world.prefix, log: world.log, auth: false, rateLimitPerMinute: 1_000_000 });
  await router.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = router.app.server.address() as AddressInfo;
  return { router, baseUrl: `http://127.0.0.1:${port}/v1` };
}

/** `npm run bench -- router [--requests 48] [--max-tokens 16] [--backend wasm]` */
export async function benchRouter(args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { requests: { type: 'string', default: '48' }, 'max-tokens': { type: 'string', default: '16' }, backend: { type: 'string', default: 'wasm' } } });
  const requests = Number(values.requests);
  const maxTokens = Number(values['max-tokens']);
  if (!Number.isInteger(requests) || requests < 1) throw new Error(`--requests must be a whole number of at least 1, got "${values.requests}"`);
  if (!Number.isInteger(maxTokens) || maxTokens < 1) throw new Error(`--max-tokens must be a whole number of at least 1, got "${values['max-tokens']}"`);
  const conversations = benchConversations(requests);
  const world = await openRouterWorld(values.backend as BackendPreference);
  let router: Router | undefined;
  try {
    const started = await startBenchRouter(world);
    router = started.router;
    const baseId = world.model.identity.name;
    const version = await registerRandomAdapter(world, adapterName, 1);
    await promote(world, `${adapterName}@v${version.version}`);
    const clients = Array.from({ length: Math.max(...concurrencies) }, () => new OpenAI({ baseURL: started.baseUrl, apiKey: 'no-auth', maxRetries: 0 }));
    process.stdout.write(
      `router benchmark: ${baseId} (${(world.model.identity.parameters / 1e6).toFixed(1)}M) on ${world.model.backend.name}, Redis ${testRedisUrl}, ` +
        `${requests} chat requests per run, max_tokens ${maxTokens}, temperature 0, router and clients in one process, node ${process.version}\n`,
    );

    const targets = [
      { label: baseId, model: baseId },
      { label: `${adapterName} (random LoRA r=4)`, model: adapterName },
    ];
    const throughput: string[][] = [];
    const overhead: string[][] = [];
    for (const target of targets) {
      // Warm-up over the whole set: the first generations initialise the backend and every prompt length's buffers,
      // and the first adapter request loads the adapter into the pool.
      await runClients(clients.slice(0, 1), target.model, conversations, maxTokens);
      for (const concurrency of concurrencies) {
        throughput.push(throughputRow(target.label, String(concurrency), await runClients(clients.slice(0, concurrency), target.model, conversations, maxTokens)));
      }
      // The adapter the router serves, borrowed from its pool, so that both sides run the very same weights.
      const lease = target.model === baseId ? undefined : await router.pool.acquire(adapterName, version.version);
      try {
        const { routed, direct } = await runPaired(clients[0]!, { model: target.model, adapter: lease?.adapter }, world.model, conversations, maxTokens);
        throughput.push(throughputRow(target.label, 'in-process', direct));
        overhead.push(overheadRow(target.label, routed, direct));
      } finally {
        lease?.release();
      }
    }

    printTable(['model', 'concurrency', 'requests', 'p50 ms', 'p95 ms', 'p99 ms', 'requests/s', 'completion tokens/s'], throughput);
    process.stdout.write('note: the router generates one request at a time on one model, so latency grows with concurrency while throughput stays about flat (at concurrency 1 the model also idles through each HTTP round trip)\n');
    process.stdout.write('\nrouter overhead per request: each request through the router at concurrency 1, then with LanguageModel.chat in-process, in turn\n');
    printTable(['model', 'router ms', 'in-process ms', 'overhead ms', 'overhead %', 'median paired overhead ms', 'same answers'], overhead);
  } finally {
    await router?.close();
    await world.close();
  }
}
