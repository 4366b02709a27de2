import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, FileStore } from '../../../core/index.js';
import { createOpenAiCompatibleProvider, ProviderError, ResponseCache, type ChatRequest, type OpenAiCompatibleProviderOptions } from '../../../evals/providers/index.js';
import { completionBody, sendJson, startChatCompletionsServer, type ChatCompletionsServer, type ChatHandler } from './chat-completions-server.js';

const request: ChatRequest = {
  messages: [
    { role: 'system', content: 'Classify the ticket.' },
    { role: 'user', content: 'My invoice is wrong.' },
  ],
  maxTokens: 16,
  temperature: 0,
};

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(handler: ChatHandler): Promise<ChatCompletionsServer> {
  const server = await startChatCompletionsServer(handler);
  cleanups.push(() => server.close());
  return server;
}

/** A provider for the test server, with an empty environment and test-sized waits. */
function providerFor(server: ChatCompletionsServer, options: Partial<OpenAiCompatibleProviderOptions> = {}) {
  return createOpenAiCompatibleProvider({ model: 'test-model', baseUrl: server.baseUrl, apiKey: 'sk-test', env: {}, retryBaseDelayMs: 10, ...options });
}

async function temporaryStore(): Promise<FileStore> {
  const root = await mkdtemp(join(tmpdir(), 'lora-response-cache-'));
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  return new FileStore(root);
}

async function failureOf(promise: Promise<unknown>): Promise<ProviderError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

describe('OpenAI-compatible provider', () => {
  it('returns the text, usage with cached prompt tokens, and sends the key, model and parameters', async () => {
    const server = await serve((_, response) => sendJson(response, 200, completionBody('billing', { prompt: 40, completion: 2, cached: 32 })));
    const provider = providerFor(server);

    const response = await provider.complete({ ...request, seed: 7, stop: ['\n'] });

    expect(response).toMatchObject({ text: 'billing', usage: { promptTokens: 40, cachedPromptTokens: 32, completionTokens: 2 }, cached: false, finishReason: 'stop' });
    expect(response.latencyMs).toBeGreaterThanOrEqual(0);
    const [received] = server.requests;
    expect(received).toMatchObject({ method: 'POST', path: '/v1/chat/completions', headers: { authorization: 'Bearer sk-test' } });
    expect(received!.body).toMatchObject({ model: 'test-model', messages: request.messages, max_tokens: 16, temperature: 0, seed: 7, stop: ['\n'] });
    expect(provider).toMatchObject({ id: 'openai:test-model', endpoint: server.baseUrl, model: 'test-model' });
  });

  it('counts no cached prompt tokens when the endpoint does not report them, and sends no seed or stop it was not given', async () => {
    const body = JSON.stringify({ choices: [{ message: { content: 'ok' }, finish_reason: 'length' }], usage: { prompt_tokens: 5, completion_tokens: 1 } });
    const server = await serve((_, response) => sendJson(response, 200, body));

    const response = await providerFor(server).complete(request);

    expect(response).toMatchObject({ text: 'ok', usage: { promptTokens: 5, cachedPromptTokens: 0, completionTokens: 1 }, finishReason: 'length' });
    expect(server.requests[0]!.body).not.toHaveProperty('seed');
    expect(server.requests[0]!.body).not.toHaveProperty('stop');
  });

  it('waits as long as Retry-After asks after a 429, logs the retry, then succeeds', async () => {
    const server = await serve((_, response, index) =>
      index === 0 ? sendJson(response, 429, JSON.stringify({ error: { message: 'slow down', type: 'requests' } }), { 'retry-after': '1' }) : sendJson(response, 200, completionBody('ok')),
    );
    const warnings: Record<string, unknown>[] = [];
    const provider = providerFor(server, { log: { warn: (fields) => warnings.push(fields) } });

    const started = performance.now();
    const response = await provider.complete(request);
    const waitedMs = performance.now() - started;

    expect(response.text).toBe('ok');
    expect(server.requests).toHaveLength(2);
    expect(waitedMs).toBeGreaterThanOrEqual(950);
    expect(waitedMs).toBeLessThan(5_000);
    expect(warnings).toEqual([expect.objectContaining({ code: 'provider-rate-limited', status: 429, retry: 1, delayMs: expect.any(Number) })]);
    expect(warnings[0]!.delayMs).toBeGreaterThanOrEqual(1000);
  });

  it('retries a 500 and returns the answer that follows', async () => {
    const server = await serve((_, response, index) => (index === 0 ? sendJson(response, 500, '{"error":{"message":"boom"}}') : sendJson(response, 200, completionBody('ok'))));

    expect((await providerFor(server).complete(request)).text).toBe('ok');
    expect(server.requests).toHaveLength(2);
  });

  it('gives up with a retryable 503 error once its retries are spent', async () => {
    const server = await serve((_, response) => sendJson(response, 503, '{"error":{"message":"overloaded"}}'));

    const error = await failureOf(providerFor(server, { maxRetries: 2 }).complete(request));

    expect(error).toMatchObject({ code: 'provider-unavailable', retryable: true, status: 503, attempts: 3 });
    expect(error.message).toContain('overloaded');
    expect(server.requests).toHaveLength(3);
  });

  it('times out an endpoint that never answers, after its retries', async () => {
    const server = await serve(() => undefined);

    const error = await failureOf(providerFor(server, { timeoutMs: 200, maxRetries: 1 }).complete(request));

    expect(error).toMatchObject({ code: 'provider-timeout', retryable: true, attempts: 2 });
    expect(error.message).toContain('did not answer within 200 ms');
    expect(server.requests).toHaveLength(2);
  });

  it('times out a body that stops halfway, which the client alone would wait on forever', async () => {
    const server = await serve((_, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"choices":');
    });

    const error = await failureOf(providerFor(server, { timeoutMs: 200, maxRetries: 0 }).complete(request));

    expect(error).toMatchObject({ code: 'provider-timeout', attempts: 1 });
  });

  it('reports an endpoint that refuses connections as unreachable', async () => {
    const server = await serve(() => undefined);
    const baseUrl = server.baseUrl;
    await server.close();

    const error = await failureOf(createOpenAiCompatibleProvider({ model: 'm', baseUrl, env: {}, maxRetries: 1, retryBaseDelayMs: 10 }).complete(request));

    expect(error).toMatchObject({ code: 'provider-unreachable', retryable: true, attempts: 2 });
  });

  it.each([
    ['a JSON body without choices', '{"nope":1}', 'application/json'],
    ['a body that is not JSON', 'not json', 'text/plain'],
    ['a body that claims to be JSON and is not', 'not json', 'application/json'],
    ['a completion without usage', '{"choices":[{"message":{"content":"x"}}]}', 'application/json'],
  ])('fails as provider-malformed, not retryable once retried, on %s', async (_, body, contentType) => {
    const server = await serve((_, response) => {
      response.writeHead(200, { 'content-type': contentType });
      response.end(body);
    });

    const error = await failureOf(providerFor(server, { maxRetries: 1 }).complete(request));

    expect(error).toMatchObject({ code: 'provider-malformed', retryable: false, attempts: 2 });
    expect(server.requests).toHaveLength(2);
  });

  it('fails a 401 as provider-unauthorized without retrying, naming the key variable', async () => {
    const server = await serve((_, response) => sendJson(response, 401, '{"error":{"message":"Incorrect API key provided"}}'));

    const error = await failureOf(providerFor(server, { apiKeyEnv: 'OPENROUTER_API_KEY' }).complete(request));

    expect(error).toMatchObject({ code: 'provider-unauthorized', retryable: false, status: 401, attempts: 1 });
    expect(error.message).toContain('Incorrect API key provided');
    expect(error.message).toContain('check OPENROUTER_API_KEY');
    expect(server.requests).toHaveLength(1);
  });

  it('fails a 400 as provider-bad-request and an exhausted quota as such, neither retried', async () => {
    const badRequest = await serve((_, response) => sendJson(response, 400, '{"error":{"message":"temperature is not supported"}}'));
    const noQuota = await serve((_, response) => sendJson(response, 429, '{"error":{"message":"quota","code":"insufficient_quota"}}'));

    expect(await failureOf(providerFor(badRequest).complete(request))).toMatchObject({ code: 'provider-bad-request', retryable: false, status: 400 });
    expect(await failureOf(providerFor(noQuota).complete(request))).toMatchObject({ code: 'provider-quota-exhausted', retryable: false, status: 429 });
    expect(badRequest.requests).toHaveLength(1);
    expect(noQuota.requests).toHaveLength(1);
  });

  it('stops without retrying when the caller aborts', async () => {
    const server = await serve(() => undefined);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);

    const error = await providerFor(server, { timeoutMs: 5_000 }).complete(request, controller.signal).catch((caught: unknown) => caught);

    expect(error).toMatchObject({ code: 'provider-aborted', retryable: false });
    expect(server.requests).toHaveLength(1);
  });

  it('never has more requests in flight than its concurrency', async () => {
    const server = await serve((_, response) => {
      setTimeout(() => sendJson(response, 200, completionBody('ok')), 100);
    });
    const provider = providerFor(server, { concurrency: 2 });

    const responses = await Promise.all(Array.from({ length: 6 }, (_, index) => provider.complete({ ...request, seed: index })));

    expect(responses.map((response) => response.text)).toEqual(Array(6).fill('ok'));
    expect(server.requests).toHaveLength(6);
    expect(server.maxInFlight).toBe(2);
  });
});

describe('OpenAI-compatible provider with a response cache', () => {
  it('pays once for two identical requests; the second comes back cached with the original usage and latency', async () => {
    const server = await serve((_, response) => sendJson(response, 200, completionBody('billing', { prompt: 40, completion: 2, cached: 8 })));
    const cache = new ResponseCache(await temporaryStore());
    const provider = providerFor(server, { cache });

    const first = await provider.complete(request);
    const second = await provider.complete(request);

    expect(server.requests).toHaveLength(1);
    expect(first.cached).toBe(false);
    expect(second).toEqual({ ...first, cached: true });
  });

  it('answers a re-run from the store without calling the endpoint', async () => {
    const server = await serve((_, response) => sendJson(response, 200, completionBody('billing')));
    const store = await temporaryStore();
    await providerFor(server, { cache: new ResponseCache(store) }).complete(request);

    const rerun = await providerFor(server, { cache: new ResponseCache(store) }).complete(request);

    expect(rerun).toMatchObject({ text: 'billing', cached: true });
    expect(server.requests).toHaveLength(1);
    const keys: string[] = [];
    for await (const object of store.list('evals/cache/')) keys.push(object.key);
    expect(keys).toEqual([expect.stringMatching(/^evals\/cache\/([0-9a-f]{2})\/\1[0-9a-f]{62}\.json$/)]);
  });

  it('keys responses by every parameter that changes the answer', async () => {
    const server = await serve((_, response) => sendJson(response, 200, completionBody('ok')));
    const cache = new ResponseCache(await temporaryStore());
    const provider = providerFor(server, { cache });
    const variants: ChatRequest[] = [
      request,
      { ...request, temperature: 0.7 },
      { ...request, maxTokens: 17 },
      { ...request, seed: 1 },
      { ...request, stop: ['\n'] },
      { ...request, messages: [...request.messages, { role: 'user', content: 'Thanks.' }] },
    ];

    for (const variant of variants) await provider.complete(variant);
    await providerFor(server, { cache, model: 'other-model' }).complete(request);

    expect(server.requests).toHaveLength(variants.length + 1);
    expect(new Set(variants.map((variant) => cache.keyOf({ ...variant, endpoint: server.baseUrl, model: 'test-model' }))).size).toBe(variants.length);
  });

  it('does not cache a failure', async () => {
    const server = await serve((_, response, index) => (index === 0 ? sendJson(response, 400, '{"error":{"message":"no"}}') : sendJson(response, 200, completionBody('ok'))));
    const provider = providerFor(server, { cache: new ResponseCache(await temporaryStore()) });

    await expect(provider.complete(request)).rejects.toMatchObject({ code: 'provider-bad-request' });
    expect(await provider.complete(request)).toMatchObject({ text: 'ok', cached: false });
  });
});

describe('OpenAI-compatible provider configuration', () => {
  it('refuses to start for api.openai.com without a key, saying to set OPENAI_API_KEY', () => {
    expect(() => createOpenAiCompatibleProvider({ model: 'gpt-5.2', env: {} })).toThrow(ConfigError);
    expect(() => createOpenAiCompatibleProvider({ model: 'gpt-5.2', env: {} })).toThrow(/set OPENAI_API_KEY/);
  });

  it('takes the base URL and key from the environment, and sends a placeholder key to a local endpoint that needs none', async () => {
    const server = await serve((_, response) => sendJson(response, 200, completionBody('ok')));

    await createOpenAiCompatibleProvider({ model: 'llama3.1:8b', env: { OPENAI_BASE_URL: `${server.baseUrl}/`, OPENAI_API_KEY: 'sk-env' } }).complete(request);
    const keyless = createOpenAiCompatibleProvider({ model: 'llama3.1:8b', env: { OPENAI_BASE_URL: server.baseUrl } });
    await keyless.complete(request);

    expect(server.requests[0]!.headers.authorization).toBe('Bearer sk-env');
    expect(server.requests[1]!.headers.authorization).toMatch(/^Bearer \S+$/);
    expect(keyless.endpoint).toBe(server.baseUrl);
  });

  it('sends max_completion_tokens to api.openai.com through the fetch it is given', async () => {
    const sent: { url: string; body: Record<string, unknown> }[] = [];
    const fetch = async (url: string | URL | Request, init?: RequestInit) => {
      sent.push({ url: String(url), body: JSON.parse(String(init?.body)) as Record<string, unknown> });
      return new Response(completionBody('ok'), { status: 200, headers: { 'content-type': 'application/json' } });
    };

    await createOpenAiCompatibleProvider({ model: 'gpt-5.2', apiKey: 'sk-test', env: {}, fetch }).complete(request);

    expect(sent).toEqual([{ url: 'https://api.openai.com/v1/chat/completions', body: expect.objectContaining({ model: 'gpt-5.2', max_completion_tokens: 16 }) }]);
    expect(sent[0]!.body).not.toHaveProperty('max_tokens');
  });

  it('refuses a base URL that is not http(s)', () => {
    expect(() => createOpenAiCompatibleProvider({ model: 'm', baseUrl: 'ftp://example.com', env: {} })).toThrow(/must be an http\(s\) URL/);
  });
});
