import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import OpenAI from 'openai';
import { summariseUsage, UsageLog, type UsageRecord } from '../../router/index.js';
import { openRouterWorld, promote, registerRandomAdapter, startRouter, type RouterWorld, type RunningRouter } from './router-fixture.js';

const question = [{ role: 'user' as const, content: 'Classify the ticket: my invoice is wrong.' }];

/** The error a promise rejects with; fails when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => expect.fail(`expected a rejection, got ${JSON.stringify(value)}`),
    (error: unknown) => error,
  );
}

async function usageRecords(world: RouterWorld): Promise<UsageRecord[]> {
  const records: UsageRecord[] = [];
  for await (const record of new UsageLog(world.connection, world.prefix).read()) records.push(record);
  return records;
}

describe('the router on the tiny model', () => {
  let world: RouterWorld;
  let running: RunningRouter;

  beforeAll(async () => {
    world = await openRouterWorld();
    running = await startRouter(world, { cacheNames: ['cached'] });
  });

  afterAll(async () => {
    await running?.close();
    await world?.close();
  });

  it('answers a chat completion in OpenAI shape through the official client', async () => {
    const completion = await running.client.chat.completions.create({ model: 'builtin:tiny', messages: question, temperature: 0, max_tokens: 12 });
    expect(completion).toMatchObject({ object: 'chat.completion', model: 'builtin:tiny', id: expect.stringMatching(/^chatcmpl-/), created: expect.any(Number) });
    expect(completion.choices).toHaveLength(1);
    expect(completion.choices[0]).toMatchObject({ index: 0, message: { role: 'assistant', content: expect.any(String) }, finish_reason: expect.stringMatching(/^(stop|length)$/) });
    expect(completion.usage!.prompt_tokens).toBeGreaterThan(5);
    expect(completion.usage!.completion_tokens).toBeGreaterThanOrEqual(1);
    expect(completion.usage!.completion_tokens).toBeLessThanOrEqual(12);
    expect(completion.usage!.total_tokens).toBe(completion.usage!.prompt_tokens + completion.usage!.completion_tokens);
  });

  it('streams chunks whose text joins to the greedy non-streamed answer, then the finish reason and usage', async () => {
    // A random adapter writes long gibberish, which makes for many chunks whatever the base model says.
    const version = await registerRandomAdapter(world, 'streamed', 5);
    await promote(world, `streamed@v${version.version}`);
    const request = { model: 'streamed', messages: question, temperature: 0, max_tokens: 24 };
    const whole = await running.client.chat.completions.create(request);
    const stream = await running.client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((chunk) => chunk.object === 'chat.completion.chunk' && chunk.id === chunks[0]!.id)).toBe(true);
    expect(chunks[0]!.choices[0]!.delta.role).toBe('assistant');
    const pieces = chunks.map((chunk) => chunk.choices[0]?.delta.content ?? '').filter((piece) => piece !== '');
    expect(pieces.length).toBeGreaterThan(3);
    expect(pieces.join('')).toBe(whole.choices[0]!.message.content);
    const finishes = chunks.filter((chunk) => chunk.choices[0]?.finish_reason);
    expect(finishes.map((chunk) => chunk.choices[0]!.finish_reason)).toEqual([whole.choices[0]!.finish_reason]);
    expect(chunks.at(-1)!.usage).toEqual(whole.usage);
  });

  it('holds back a stop sequence while streaming, and stops where the whole answer stops', async () => {
    const version = await registerRandomAdapter(world, 'stopped', 6);
    await promote(world, `stopped@v${version.version}`);
    const whole = await running.client.chat.completions.create({ model: 'stopped', messages: question, temperature: 0, max_tokens: 24 });
    const text = whole.choices[0]!.message.content!;
    const stop = text.slice(Math.floor(text.length / 2), Math.floor(text.length / 2) + 2);
    expect(stop.length).toBe(2);
    const request = { model: 'stopped', messages: question, temperature: 0, max_tokens: 24, stop: [stop] };
    const stopped = await running.client.chat.completions.create(request);
    const stream = await running.client.chat.completions.create({ ...request, stream: true });
    let streamed = '';
    for await (const chunk of stream) streamed += chunk.choices[0]?.delta.content ?? '';
    expect(stopped.choices[0]!.message.content).toBe(text.slice(0, text.indexOf(stop)));
    expect(streamed).toBe(stopped.choices[0]!.message.content);
  });

  it('completes a text prompt at /v1/completions', async () => {
    const completion = await running.client.completions.create({ model: 'builtin:tiny', prompt: 'The weather today is', max_tokens: 8, temperature: 0 });
    expect(completion).toMatchObject({ object: 'text_completion', model: 'builtin:tiny', id: expect.stringMatching(/^cmpl-/) });
    expect(completion.choices[0]).toMatchObject({ index: 0, text: expect.any(String), finish_reason: expect.stringMatching(/^(stop|length)$/) });
    expect(completion.usage!.completion_tokens).toBeLessThanOrEqual(8);
  });

  it('lists the base model and every name with a production version, with parent and root', async () => {
    await registerRandomAdapter(world, 'listed', 1);
    await promote(world, 'listed@v1');
    await registerRandomAdapter(world, 'unlisted', 2);
    const models = [];
    for await (const model of running.client.models.list()) models.push(model as typeof model & { parent: string | null; root: string });
    const ids = models.map((model) => model.id);
    expect(ids).toContain('builtin:tiny');
    expect(ids).toContain('listed');
    expect(ids).not.toContain('unlisted');
    expect(models.find((model) => model.id === 'listed')).toMatchObject({ object: 'model', owned_by: 'lora', parent: 'builtin:tiny', root: 'listed@v1' });
    expect(models.find((model) => model.id === 'builtin:tiny')).toMatchObject({ parent: null, root: 'builtin:tiny' });
  });

  it('answers the next request with the newly promoted version, and with the old one after a rollback', async () => {
    const first = await registerRandomAdapter(world, 'triage', 11);
    const second = await registerRandomAdapter(world, 'triage', 12);
    await promote(world, `triage@v${first.version}`);
    const ask = () => running.client.chat.completions.create({ model: 'triage', messages: question, temperature: 0, max_tokens: 16 }).withResponse();

    const before = await ask();
    expect(before.response.headers.get('x-lora-adapter')).toBe(`triage@v${first.version}`);
    await promote(world, `triage@v${second.version}`);
    const after = await ask();
    expect(after.response.headers.get('x-lora-adapter')).toBe(`triage@v${second.version}`);
    expect(after.data.choices[0]!.message.content).not.toBe(before.data.choices[0]!.message.content);

    await world.registry.rollback('triage', { reason: 'router test', actor: 'router-test' });
    const rolledBack = await ask();
    expect(rolledBack.response.headers.get('x-lora-adapter')).toBe(`triage@v${first.version}`);
    expect(rolledBack.data.choices[0]!.message.content).toBe(before.data.choices[0]!.message.content);
  });

  it('serves NAME@staging and NAME@vN, and answers 404 model_not_found for a name without production when there is no fallback', async () => {
    const staged = await registerRandomAdapter(world, 'staged', 21);
    await promote(world, `staged@v${staged.version}`, 'staging');
    const viaAlias = await running.client.chat.completions.create({ model: 'staged@staging', messages: question, max_tokens: 4 }).withResponse();
    expect(viaAlias.response.headers.get('x-lora-adapter')).toBe(`staged@v${staged.version}`);
    const viaVersion = await running.client.chat.completions.create({ model: `staged@v${staged.version}`, messages: question, max_tokens: 4 }).withResponse();
    expect(viaVersion.response.headers.get('x-lora-adapter')).toBe(`staged@v${staged.version}`);

    const missing = await rejection(running.client.chat.completions.create({ model: 'staged', messages: question, max_tokens: 4 }));
    expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    expect(missing).toMatchObject({ status: 404, code: 'model_not_found', param: 'model', type: 'invalid_request_error' });
    const noVersion = await rejection(running.client.chat.completions.create({ model: 'staged@v99', messages: question, max_tokens: 4 }));
    expect(noVersion).toMatchObject({ status: 404, code: 'model_not_found' });
  });

  it('refuses requests without a valid API key with 401 in OpenAI shape', async () => {
    const anonymous = new OpenAI({ baseURL: running.baseUrl, apiKey: 'lora-sk-not-a-key', maxRetries: 0 });
    const wrong = await rejection(anonymous.chat.completions.create({ model: 'builtin:tiny', messages: question }));
    expect(wrong).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(wrong).toMatchObject({ status: 401, code: 'invalid_api_key' });
    const bare = await fetch(`${running.baseUrl}/models`);
    expect(bare.status).toBe(401);
    expect(await bare.json()).toEqual({ error: { message: expect.stringContaining('Authorization: Bearer'), type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });

    const revoked = await world.keys.create('revoked-soon');
    await world.keys.revoke('revoked-soon');
    const afterRevoke = await fetch(`${running.baseUrl}/models`, { headers: { authorization: `Bearer ${revoked.key}` } });
    expect(afterRevoke.status).toBe(401);
  });

  it('answers 400 naming the field for a bad body, and 413 for a body over the limit', async () => {
    const bad = await rejection(running.client.chat.completions.create({ model: 'builtin:tiny', messages: [{ role: 'robot', content: 'hi' }] } as never));
    expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
    expect(bad).toMatchObject({ status: 400, type: 'invalid_request_error', param: 'messages[0].role' });
    const noMessages = await fetch(`${running.baseUrl}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${running.key}`, 'content-type': 'application/json' }, body: '{"model":"builtin:tiny"}' });
    expect(noMessages.status).toBe(400);
    expect(((await noMessages.json()) as { error: { param: string } }).error.param).toBe('messages');
    const notJson = await fetch(`${running.baseUrl}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${running.key}`, 'content-type': 'application/json' }, body: '{"model":' });
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { error: { code: string } }).error.code).toBe('invalid_json');

    const huge = JSON.stringify({ model: 'builtin:tiny', messages: [{ role: 'user', content: 'x'.repeat(1024 * 1024 + 10) }] });
    const tooLarge = await fetch(`${running.baseUrl}/chat/completions`, { method: 'POST', headers: { authorization: `Bearer ${running.key}`, 'content-type': 'application/json' }, body: huge });
    expect(tooLarge.status).toBe(413);
    expect(await tooLarge.json()).toMatchObject({ error: { type: 'invalid_request_error', code: 'request_too_large' } });

    const tooLong = await rejection(running.client.chat.completions.create({ model: 'builtin:tiny', messages: question, max_tokens: 100_000 }));
    expect(tooLong).toMatchObject({ status: 400, code: 'context_length_exceeded', param: 'max_tokens' });
  });

  it('answers a repeated temperature-0 request to a cached name from memory', async () => {
    const version = await registerRandomAdapter(world, 'cached', 31);
    await promote(world, `cached@v${version.version}`);
    const ask = () => running.client.chat.completions.create({ model: 'cached', messages: question, temperature: 0, max_tokens: 8 }).withResponse();
    const first = await ask();
    const second = await ask();
    expect(first.response.headers.get('x-lora-cache')).toBeNull();
    expect(second.response.headers.get('x-lora-cache')).toBe('hit');
    expect(second.data.choices[0]!.message.content).toBe(first.data.choices[0]!.message.content);
    expect(second.data.id).not.toBe(first.data.id);
  });

  it('records usage per request that sums to what the responses reported', async () => {
    const { key } = await world.keys.create('usage-counted');
    const client = new OpenAI({ baseURL: running.baseUrl, apiKey: key, maxRetries: 0 });
    const responses = [
      await client.chat.completions.create({ model: 'builtin:tiny', messages: question, max_tokens: 5 }),
      await client.chat.completions.create({ model: 'builtin:tiny', messages: [{ role: 'user', content: 'Hello there' }], max_tokens: 7 }),
      await client.completions.create({ model: 'builtin:tiny', prompt: 'Once upon a time', max_tokens: 6 }),
    ];
    const records = await usageRecords(world);
    const keyNames = new Map((await world.keys.list()).map((record) => [record.id, record.name]));
    const mine = summariseUsage(records, 'key', keyNames).groups.find((group) => group.group === 'usage-counted');
    expect(mine).toEqual({
      group: 'usage-counted',
      requests: 3,
      promptTokens: responses.reduce((sum, response) => sum + response.usage!.prompt_tokens, 0),
      completionTokens: responses.reduce((sum, response) => sum + response.usage!.completion_tokens, 0),
      // No --usd-per-hour: the cost is unknown, never 0.
      usd: null,
      unpricedRequests: 3,
    });
    const record = records.find((each) => each.keyId !== null && keyNames.get(each.keyId) === 'usage-counted');
    expect(record).toMatchObject({ schemaVersion: 1, model: 'builtin:tiny', servedBy: 'builtin:tiny', adapterVersion: null, fallback: null, cached: false, stream: false });
  });

  it('exposes request, token, latency and cost metrics on /metrics', async () => {
    const response = await fetch(`${running.baseUrl.replace(/\/v1$/, '')}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/lora_router_requests_total\{model="builtin:tiny",status="200"\} \d+/);
    expect(text).toMatch(/lora_router_requests_total\{model="none",status="401"\} \d+/);
    expect(text).toMatch(/lora_router_prompt_tokens_total\{model="builtin:tiny"\} [1-9]\d*/);
    expect(text).toMatch(/lora_router_completion_tokens_total\{model="triage"\} [1-9]\d*/);
    expect(text).toMatch(/lora_router_request_duration_seconds_count\{model="builtin:tiny"\} [1-9]\d*/);
    expect(text).toContain('# TYPE lora_router_cost_usd_total counter');
    const health = await fetch(`${running.baseUrl.replace(/\/v1$/, '')}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok' });
  });
});

describe('the router with limits and prices', () => {
  let world: RouterWorld;

  beforeAll(async () => {
    world = await openRouterWorld();
  });

  afterAll(async () => {
    await world?.close();
  });

  it('answers 429 with retry-after once a key exceeds its requests per minute', async () => {
    const running = await startRouter(world, { rateLimitPerMinute: 2 });
    try {
      const statuses: number[] = [];
      let last: Response | undefined;
      for (let attempt = 0; attempt < 3; attempt += 1) {
        last = await fetch(`${running.baseUrl}/models`, { headers: { authorization: `Bearer ${running.key}` } });
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 429]);
      expect(Number(last!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await last!.json()).toMatchObject({ error: { type: 'rate_limit_error', code: 'rate_limit_exceeded' } });
    } finally {
      await running.close();
    }
  });

  it('prices adapter requests by generation seconds at --usd-per-hour, and serves without keys under --no-auth', async () => {
    const running = await startRouter(world, { usdPerHour: 3.6, auth: false });
    try {
      const version = await registerRandomAdapter(world, 'priced', 41);
      await promote(world, `priced@v${version.version}`);
      const anonymous = new OpenAI({ baseURL: running.baseUrl, apiKey: 'anything', maxRetries: 0 });
      await anonymous.chat.completions.create({ model: 'priced', messages: question, max_tokens: 6 });
      const records = await usageRecords(world);
      const record = records.find((each) => each.model === 'priced');
      expect(record).toMatchObject({ keyId: null, servedBy: `priced@v${version.version}`, adapterVersion: `priced@v${version.version}` });
      // 3.6 USD an hour is 0.001 USD a second; a few tokens on the tiny model take well under ten seconds.
      expect(record!.usd).toBeGreaterThan(0);
      expect(record!.usd).toBeLessThan(0.01);
    } finally {
      await running.close();
    }
  });
});
