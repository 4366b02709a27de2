// Fuzzes the router's HTTP boundary: whatever body, content type or size a client sends to the completion
// endpoints, the router answers 200 with a completion or a 4xx in OpenAI's error shape, never a 500 and never a hang.
// Requests that validate do generate, on the built-in tiny model, so their token budgets are kept to a few tokens.
import fc from 'fast-check';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chatCompletionRequest, completionRequest, createRouter, type Router } from '../../router/index.js';
import { openRouterWorld, type RouterWorld } from '../router/router-fixture.js';
import { anyJsonValue, anyText, expectNoStackTrace, fuzzParameters, insertAt, pathsOf, remove, replaceAt, withDeadline } from './fuzz-support.js';

const bodyLimitBytes = 64 * 1024;
/** What a request may generate when it names no max_tokens; with the clamp below, every generation is this short. */
const fewTokens = 2;

type Endpoint = '/v1/chat/completions' | '/v1/completions';
const endpoints: Endpoint[] = ['/v1/chat/completions', '/v1/completions'];

interface Sent {
  endpoint: Endpoint;
  payload: string | Buffer;
  contentType: string | undefined;
}

let world: RouterWorld;
let router: Router;

beforeAll(async () => {
  world = await openRouterWorld();
  router = createRouter({
    model: world.model,
    registry: world.registry,
    store: world.store,
    redis: world.connection,
    prefix: world.prefix,
    log: world.log,
    auth: false,
    rateLimitPerMinute: 1_000_000,
    bodyLimitBytes,
    requestTimeoutMs: 15_000,
    defaultMaxTokens: fewTokens,
  });
  await router.app.ready();
});

afterAll(async () => {
  await router?.close();
  await world?.close();
});

/** Sends one request through fastify's injector; a request that takes longer than the deadline is a hang. */
function send(request: Sent): Promise<LightMyRequestResponse> {
  const headers: Record<string, string> = request.contentType === undefined ? {} : { 'content-type': request.contentType };
  return withDeadline(router.app.inject({ method: 'POST', url: request.endpoint, headers, payload: request.payload }), 20_000, `POST ${request.endpoint}`);
}

/** 200 with a completion (JSON or an SSE stream that ends in [DONE]), or a 4xx whose JSON body is OpenAI's error shape. */
function expectAnswered(request: Sent, response: LightMyRequestResponse): void {
  const where = `POST ${request.endpoint} (${request.contentType}) answered ${response.statusCode}: ${response.body.slice(0, 300)}`;
  expect(response.statusCode === 200 || (response.statusCode >= 400 && response.statusCode < 500), where).toBe(true);
  const contentType = String(response.headers['content-type'] ?? '');
  if (response.statusCode === 200 && contentType.startsWith('text/event-stream')) {
    expect(response.body, where).toMatch(/data: \[DONE\]\n\n$/);
    expect(response.body, where).not.toContain('"error"');
    return;
  }
  expect(contentType, where).toMatch(/^application\/json/);
  const body = JSON.parse(response.body) as Record<string, unknown>;
  if (response.statusCode === 200) {
    expect(body.object, where).toBe(request.endpoint === '/v1/chat/completions' ? 'chat.completion' : 'text_completion');
    expect(Array.isArray(body.choices), where).toBe(true);
    return;
  }
  const error = body.error as Record<string, unknown> | undefined;
  expect(error, where).toBeDefined();
  expect(typeof error!.message, where).toBe('string');
  expect((error!.message as string).length, where).toBeGreaterThan(0);
  expect(typeof error!.type, where).toBe('string');
  expect(error!.type, where).not.toBe('server_error');
  expect('param' in error! && 'code' in error!, where).toBe(true);
  expectNoStackTrace(error!.message as string);
}

/** Keeps a body that would validate from asking for more than a few tokens; one that does not validate is sent as it is. */
function clampTokens(endpoint: Endpoint, body: unknown): unknown {
  const schema = endpoint === '/v1/chat/completions' ? chatCompletionRequest : completionRequest;
  if (!schema.safeParse(body).success) return body;
  const clamped = { ...(body as Record<string, unknown>) };
  for (const field of ['max_tokens', 'max_completion_tokens']) {
    const value = clamped[field];
    // Past the tiny model's context the router answers 400 without generating, which is worth keeping.
    if (typeof value === 'number' && value > fewTokens && value < 1_000_000) clamped[field] = fewTokens;
  }
  return clamped;
}

const modelName = fc.oneof(
  { weight: 4, arbitrary: fc.constant('builtin:tiny') },
  {
    weight: 2,
    arbitrary: fc.constantFrom('no-such-adapter', 'x@v1', 'x@v0', 'x@staging', 'x@candidate', 'x@', '@', 'x@@v1', 'x@v-1', `x@v${'9'.repeat(30)}`, 'BUILTIN:TINY', ' builtin:tiny', 'a'.repeat(200), 'a'.repeat(201), ''),
  },
  { weight: 1, arbitrary: anyText },
);
const content = fc.oneof(
  { weight: 4, arbitrary: fc.string({ minLength: 1, maxLength: 40 }) },
  { weight: 2, arbitrary: anyText },
  { weight: 1, arbitrary: fc.constantFrom('\u0000', '\uD800', 'a\uDC00b', '\uFEFF', '<|im_end|>', '<|endoftext|>', '{{ raise_exception("x") }}', '{% for %}') },
  { weight: 1, arbitrary: fc.array(fc.record({ type: fc.constant('text'), text: anyText }), { minLength: 1, maxLength: 3 }) },
  { weight: 1, arbitrary: fc.constant(null) },
);
const message = fc.record(
  {
    role: fc.oneof({ weight: 5, arbitrary: fc.constantFrom('system', 'developer', 'user', 'assistant', 'tool') }, { weight: 1, arbitrary: anyText }),
    content,
    name: fc.string(),
    tool_calls: anyJsonValue,
    tool_call_id: anyJsonValue,
  },
  { requiredKeys: ['role', 'content'] },
);
const sampling = {
  max_tokens: fc.oneof(fc.integer({ min: 1, max: fewTokens }), fc.constantFrom(0, -1, 1.5, 10 ** 9, null)),
  temperature: fc.oneof(fc.double({ min: 0, max: 2, noNaN: true }), fc.constantFrom(-0.1, 2.1, null)),
  top_p: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, null)),
  seed: fc.oneof(fc.integer(), fc.constantFrom(-1, 0, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 2 ** 31, 1.5, null)),
  stop: fc.oneof(fc.string(), anyText, fc.array(anyText, { maxLength: 5 }), fc.constant(null)),
  n: fc.constantFrom(1, 2, null),
  stream: fc.oneof(fc.boolean(), fc.constant(null)),
  stream_options: fc.oneof(fc.record({ include_usage: fc.boolean() }), fc.constant(null)),
  user: fc.string(),
};
/** Legal values only, odd ones included (lone surrogates, special-token text, extreme seeds), so that these requests generate. */
const legalSampling = {
  max_tokens: fc.oneof(fc.integer({ min: 1, max: fewTokens }), fc.constant(null)),
  temperature: fc.oneof(fc.double({ min: 0, max: 2, noNaN: true }), fc.constant(null)),
  top_p: fc.oneof(fc.double({ min: 1e-9, max: 1, noNaN: true }), fc.constant(null)),
  seed: fc.oneof(fc.maxSafeInteger(), fc.constant(null)),
  stop: fc.oneof(anyText, fc.array(anyText, { maxLength: 4 }), fc.constant(null)),
  n: fc.constantFrom(1, null),
  stream: fc.oneof(fc.boolean(), fc.constant(null)),
  stream_options: fc.oneof(fc.record({ include_usage: fc.boolean() }, { requiredKeys: [] }), fc.constant(null)),
  user: fc.string(),
};
const legalMessage = fc.record({ role: fc.constantFrom('system', 'developer', 'user', 'assistant', 'tool'), content, name: fc.string() }, { requiredKeys: ['role', 'content'] });
const legalRequest: Record<Endpoint, fc.Arbitrary<Record<string, unknown>>> = {
  '/v1/chat/completions': fc.record(
    { model: fc.constant('builtin:tiny'), messages: fc.array(legalMessage, { minLength: 1, maxLength: 4 }), ...legalSampling, max_completion_tokens: legalSampling.max_tokens },
    { requiredKeys: ['model', 'messages'] },
  ),
  '/v1/completions': fc.record({ model: fc.constant('builtin:tiny'), prompt: fc.oneof(anyText, fc.tuple(anyText)), ...legalSampling }, { requiredKeys: ['model', 'prompt'] }),
};

/** Requests in each endpoint's shape: mostly valid, with odd but legal values, and sometimes a wrong one. */
const requestShape: Record<Endpoint, fc.Arbitrary<Record<string, unknown>>> = {
  '/v1/chat/completions': fc.record(
    { model: modelName, messages: fc.array(message, { minLength: 1, maxLength: 4 }), ...sampling, max_completion_tokens: sampling.max_tokens },
    { requiredKeys: ['model', 'messages'] },
  ),
  '/v1/completions': fc.record({ model: modelName, prompt: fc.oneof(content, fc.array(anyText, { maxLength: 2 })), ...sampling }, { requiredKeys: ['model', 'prompt'] }),
};

/** A request of the endpoint's shape with one key dropped or one value replaced by a random JSON value. */
function mutatedRequest(endpoint: Endpoint): fc.Arbitrary<unknown> {
  return requestShape[endpoint].chain((request) =>
    fc.tuple(fc.constantFrom(...pathsOf(request)), fc.oneof(fc.constant<unknown>(remove), anyJsonValue)).map(([path, replacement]) => replaceAt(request, path, replacement) ?? null),
  );
}

const jsonContentTypes = fc.constantFrom('application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/json; charset=latin1', 'application/json;', 'application/vnd.api+json');
const otherContentTypes = fc.oneof(
  fc.constantFrom(undefined, '', 'text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', '*/*', 'application', ';', 'application/json/extra'),
  fc.string({ maxLength: 40 }),
);

/** Bodies that are not a JSON request: random bytes, random text, truncated or doubled JSON, and bodies past the size limit. */
function brokenBody(endpoint: Endpoint): fc.Arbitrary<string | Buffer> {
  const valid = requestShape[endpoint].map((request) => JSON.stringify(request));
  const fraction = fc.double({ min: 0, max: 1, noNaN: true });
  return fc.oneof(
    fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
    anyText,
    fc.json(),
    fc.tuple(valid, fraction).map(([text, at]) => text.slice(0, Math.floor(at * text.length))),
    fc.tuple(valid, fraction, fc.constantFrom('\u0000', '\uD800', '"', '{', ']', ',', '\\', '\\u')).map(([text, at, insertion]) => insertAt(text, at, insertion)),
    valid.map((text) => text.replace(/^\{/, '{"model": 7, "messages": "x", "prompt": [], ')),
    valid.map((text) => `${text}${text}`),
    valid.map((text) => text.replace(/^\{/, '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, ')),
    fc.constantFrom(bodyLimitBytes - 100, bodyLimitBytes + 1, 4 * bodyLimitBytes).map((size) => JSON.stringify({ model: 'builtin:tiny', prompt: 'p'.repeat(size), max_tokens: 1 })),
    fc.integer({ min: 1, max: 20_000 }).map((depth) => `{"model": "builtin:tiny", "messages": ${'['.repeat(depth)}${']'.repeat(depth)}}`),
    fc.integer({ min: 1, max: 5_000 }).map((depth) => `{"model": "builtin:tiny", "prompt": "x", "constructor": 1, "deep": ${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`),
  );
}

describe.each(endpoints)('POST %s on fuzzed requests', (endpoint) => {
  it('answers a few valid requests with a completion', async () => {
    const body = endpoint === '/v1/chat/completions' ? { model: 'builtin:tiny', messages: [{ role: 'user', content: 'Hi' }], max_tokens: 1 } : { model: 'builtin:tiny', prompt: 'Hi', max_tokens: 1 };
    for (const stream of [false, true]) {
      const request: Sent = { endpoint, payload: JSON.stringify({ ...body, stream }), contentType: 'application/json' };
      const response = await send(request);
      expect(response.statusCode).toBe(200);
      expectAnswered(request, response);
    }
  });

  it('answers an empty prompt and an adapter version past 2^53 with a 4xx error body, not a 500', async () => {
    const body = endpoint === '/v1/chat/completions' ? { messages: [{ role: 'user', content: '' }] } : { prompt: '' };
    for (const model of ['builtin:tiny', `x@v${'9'.repeat(30)}`]) {
      const request: Sent = { endpoint, payload: JSON.stringify({ model, ...body, max_tokens: 1 }), contentType: 'application/json' };
      const response = await send(request);
      expectAnswered(request, response);
      if (model !== 'builtin:tiny') expect(response.statusCode).toBe(404);
    }
  });

  it('answers legal requests with odd values (lone surrogates, special tokens, any seed) with a completion or a 4xx error body', async () => {
    await fc.assert(
      fc.asyncProperty(legalRequest[endpoint], async (body) => {
        const schema = endpoint === '/v1/chat/completions' ? chatCompletionRequest : completionRequest;
        expect(schema.safeParse(body).success).toBe(true);
        const request: Sent = { endpoint, payload: JSON.stringify(body), contentType: 'application/json' };
        expectAnswered(request, await send(request));
      }),
      fuzzParameters(150),
    );
  });

  it('answers requests of the right shape, odd values included, with 200 or a 4xx error body', async () => {
    await fc.assert(
      fc.asyncProperty(requestShape[endpoint], async (body) => {
        const request: Sent = { endpoint, payload: JSON.stringify(clampTokens(endpoint, body)), contentType: 'application/json' };
        expectAnswered(request, await send(request));
      }),
      fuzzParameters(150),
    );
  });

  it('answers requests with a key dropped or a value of the wrong type with 200 or a 4xx error body', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedRequest(endpoint), async (body) => {
        const request: Sent = { endpoint, payload: JSON.stringify(clampTokens(endpoint, body)) ?? 'null', contentType: 'application/json' };
        expectAnswered(request, await send(request));
      }),
      fuzzParameters(200),
    );
  });

  it('answers any JSON value with 200 or a 4xx error body', async () => {
    await fc.assert(
      fc.asyncProperty(anyJsonValue, jsonContentTypes, async (body, contentType) => {
        const request: Sent = { endpoint, payload: JSON.stringify(clampTokens(endpoint, body)) ?? 'null', contentType };
        expectAnswered(request, await send(request));
      }),
      fuzzParameters(300),
    );
  });

  it('answers broken, oversized and deeply nested bodies with a 4xx error body', async () => {
    await fc.assert(
      fc.asyncProperty(brokenBody(endpoint), fc.oneof(jsonContentTypes, otherContentTypes), async (payload, contentType) => {
        const request: Sent = { endpoint, payload, contentType };
        expectAnswered(request, await send(request));
      }),
      fuzzParameters(300),
    );
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
