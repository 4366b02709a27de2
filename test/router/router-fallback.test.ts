import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type OpenAI from 'openai';
import { findPrice, loadPriceCatalog, tokenCost } from '../../evals/index.js';
import { createOpenAiUpstream, UsageLog, type UsageRecord } from '../../router/index.js';
import { openRouterWorld, promote, registerRandomAdapter, startRouter, type RouterWorld, type RunningRouter } from './router-fixture.js';
import { startUpstream, upstreamText, upstreamUsage, type Upstream } from './upstream-server.js';

const question = [{ role: 'user' as const, content: 'Where is my parcel?' }];
const price = findPrice(loadPriceCatalog(), 'openai', 'gpt-5.2');

async function usageOf(world: RouterWorld, model: string): Promise<UsageRecord[]> {
  const records: UsageRecord[] = [];
  for await (const record of new UsageLog(world.connection, world.prefix).read()) if (record.model === model) records.push(record);
  return records;
}

describe('the router with a fallback upstream', () => {
  let world: RouterWorld;
  let upstream: Upstream;
  let running: RunningRouter;

  beforeAll(async () => {
    world = await openRouterWorld();
    upstream = await startUpstream();
    const fallback = createOpenAiUpstream({ baseUrl: upstream.baseUrl, model: 'gpt-5.2', apiKey: 'upstream-key', timeoutMs: 10_000, cost: (usage) => tokenCost(usage, price).usd });
    running = await startRouter(world, { fallback });
  });

  afterAll(async () => {
    await running?.close();
    await upstream?.close();
    await world?.close();
  });

  it('sends a name without a production version to the upstream, says why in x-lora-fallback, and bills the catalog price', async () => {
    await registerRandomAdapter(world, 'candidate-only', 1);
    const { data, response } = await running.client.chat.completions.create({ model: 'candidate-only', messages: question, max_tokens: 20, temperature: 0.2 }).withResponse();
    expect(response.headers.get('x-lora-fallback')).toBe('no-production-version');
    expect(data.choices[0]!.message.content).toBe(upstreamText);
    const sent = upstream.requests.at(-1)!;
    expect(sent).toMatchObject({ path: '/v1/chat/completions', authorization: 'Bearer upstream-key', body: { model: 'gpt-5.2', messages: question, max_tokens: 20, temperature: 0.2 } });
    const [record] = await usageOf(world, 'candidate-only');
    expect(record).toMatchObject({ servedBy: 'fallback:gpt-5.2', fallback: 'no-production-version', adapterVersion: null, promptTokens: 1000, completionTokens: 500 });
    expect(record!.usd).toBeCloseTo((1000 * price!.inputPer1M + 500 * price!.outputPer1M) / 1e6, 12);
  });

  it('streams the upstream answer through, with usage only when the client asked for it', async () => {
    const stream = await running.client.chat.completions.create({ model: 'no-such-adapter', messages: question, stream: true });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').join('')).toBe(upstreamText);
    expect(chunks.some((chunk) => chunk.usage)).toBe(false);
    expect(upstream.requests.at(-1)!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
    const [record] = await usageOf(world, 'no-such-adapter');
    expect(record).toMatchObject({ stream: true, promptTokens: upstreamUsage.prompt_tokens, completionTokens: upstreamUsage.completion_tokens, fallback: 'no-production-version' });
  });

  it('falls back on text completions too', async () => {
    const { data, response } = await running.client.completions.create({ model: 'no-such-adapter', prompt: 'Hello', max_tokens: 5 }).withResponse();
    expect(response.headers.get('x-lora-fallback')).toBe('no-production-version');
    expect(data.choices[0]!.text).toBe(upstreamText);
    expect(upstream.requests.at(-1)!.path).toBe('/v1/completions');
  });

  it('falls back when the production adapter cannot be loaded', async () => {
    const broken = await world.registry.register({
      name: 'broken',
      artifact: { uri: 'file:///nowhere/', key: 'test-adapters/missing/', sha256: '0'.repeat(64) },
      baseModel: { name: world.model.identity.name, sha256: world.model.identity.sha256 },
      dataset: { name: 'none', version: 'none' },
      hyperparameters: {},
      metrics: {},
      backend: 'none',
      runId: null,
    });
    await promote(world, `broken@v${broken.version}`);
    const { data, response } = await running.client.chat.completions.create({ model: 'broken', messages: question }).withResponse();
    expect(response.headers.get('x-lora-fallback')).toBe('adapter-error');
    expect(data.choices[0]!.message.content).toBe(upstreamText);
  });

  it('falls back when the adapter does not answer within the request timeout', async () => {
    const impatient = await startRouter(world, { fallback: createOpenAiUpstream({ baseUrl: upstream.baseUrl, model: 'gpt-5.2', timeoutMs: 10_000 }), requestTimeoutMs: 1 });
    try {
      const version = await registerRandomAdapter(world, 'slow', 2);
      await promote(world, `slow@v${version.version}`);
      const { response } = await impatient.client.chat.completions.create({ model: 'slow', messages: question, max_tokens: 200 }).withResponse();
      expect(response.headers.get('x-lora-fallback')).toBe('adapter-timeout');
    } finally {
      await impatient.close();
    }
  });
});
