import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import pLimit from 'p-limit';
import type { AdapterRegistry, LanguageModel, LoraAdapter } from '../adapters/index.js';
import type { ArtifactStore, Logger } from '../core/index.js';
import { createAdapterLoader } from './adapter-loader.js';
import { AdapterPool } from './adapter-pool.js';
import { ApiKeyStore } from './api-key-store.js';
import { chatCall, textCall } from './completion-call.js';
import { handleCompletion } from './completion-handler.js';
import type { FallbackUpstream } from './fallback-upstream.js';
import type { ExclusiveQueue } from './local-generation.js';
import { listServedModels } from './served-models.js';
import { RateLimiter } from './rate-limiter.js';
import { chatCompletionRequest, completionRequest } from './request-contracts.js';
import { ResponseCache } from './response-cache.js';
import { invalidBody, RouterError } from './router-error.js';
import { toRouterError } from './router-error-mapping.js';
import { createRouterMetrics, type RouterMetrics } from './router-metrics.js';
import type { RouterServices } from './router-services.js';
import { UsageLog } from './usage-log.js';

/** What a router needs: the shared base model, where adapters are registered and stored, Redis, and its policies. */
export interface RouterOptions {
  model: LanguageModel;
  registry: AdapterRegistry;
  store: ArtifactStore;
  redis: Redis;
  /** The Redis key prefix (`redis.prefix`): keys, usage and rate windows live under `PREFIX:lora:`. */
  prefix: string;
  log: Logger;
  /** Require `Authorization: Bearer KEY` on /v1 (default true). */
  auth?: boolean;
  /** Requests per minute per API key (default 600). */
  rateLimitPerMinute?: number;
  /** The most adapters kept loaded, least recently used out; production versions stay even beyond it (default 8). */
  maxAdapters?: number;
  /** Price of the serving machine per hour; null or absent: local costs are unknown. */
  usdPerHour?: number | null;
  fallback?: FallbackUpstream;
  /** Adapter names (or the base id) whose deterministic answers are cached in memory. */
  cacheNames?: readonly string[];
  /** Per request, queueing included (default 60 s). */
  requestTimeoutMs?: number;
  /** Largest request body (default 1 MiB). */
  bodyLimitBytes?: number;
  /** Tokens generated when a request names no max_tokens (default 256), bounded by the context. */
  defaultMaxTokens?: number;
}

/** A router, not yet listening: `app.listen()` starts it, `close()` stops it and frees the adapters (not the base model). */
export interface Router {
  app: FastifyInstance;
  metrics: RouterMetrics;
  pool: AdapterPool<LoraAdapter>;
  close(): Promise<void>;
}

const completionRoutes = new Set(['/v1/chat/completions', '/v1/completions']);

/** Per-request state: who asked, which model label the metrics use, and when it began (queueing counts). */
interface RequestState {
  keyId: string | null;
  label: string;
  startedAt: number;
}

type StateOf = (request: FastifyRequest) => RequestState;

/** Builds the OpenAI-compatible router on fastify. */
export function createRouter(options: RouterOptions): Router {
  const services = createServices(options);
  const bodyLimit = options.bodyLimitBytes ?? 1024 * 1024;
  // No framework logger: the router logs its own events through `log`.
  const app = Fastify({ bodyLimit });
  const requestState = new WeakMap<FastifyRequest, RequestState>();
  const stateOf: StateOf = (request) => {
    let state = requestState.get(request);
    if (state === undefined) requestState.set(request, (state = { keyId: null, label: 'none', startedAt: performance.now() }));
    return state;
  };
  installAccessControl(app, options, stateOf);
  installResponses(app, services, bodyLimit, stateOf);
  installRoutes(app, services, options.registry, stateOf);
  return {
    app,
    metrics: services.metrics,
    pool: services.pool,
    async close() {
      await app.close();
      services.pool.close();
    },
  };
}

/** The services the handlers share: one generation queue, the adapter pool, usage, metrics, cache and fallback. */
function createServices(options: RouterOptions): RouterServices {
  const limit = pLimit(1);
  const queue: ExclusiveQueue = (task) => limit(task);
  const log = options.log;
  const pool = new AdapterPool<LoraAdapter>({
    capacity: options.maxAdapters ?? 8,
    load: createAdapterLoader({ registry: options.registry, store: options.store, model: options.model, exclusive: queue }),
    onEvent: (event) => (event.kind === 'pool-over-capacity' ? log.warn : log.info).call(log, { event: event.kind, adapter: event.reference, loaded: event.size }, `${event.kind} ${event.reference}`),
  });
  return {
    model: options.model,
    baseId: options.model.identity.name,
    aliases: options.registry,
    pool,
    queue,
    fallback: options.fallback,
    usage: new UsageLog(options.redis, options.prefix),
    metrics: createRouterMetrics(),
    cache: new ResponseCache(),
    cacheNames: new Set(options.cacheNames ?? []),
    usdPerHour: options.usdPerHour ?? null,
    requestTimeoutMs: options.requestTimeoutMs ?? 60_000,
    defaultMaxTokens: options.defaultMaxTokens ?? 256,
    log,
  };
}

/** Errors and unknown URLs in OpenAI's error shape, and the request metrics of the completion routes. */
function installResponses(app: FastifyInstance, services: RouterServices, bodyLimit: number, stateOf: StateOf): void {
  const { metrics, log } = services;
  app.setErrorHandler((error, request, reply) => {
    const routerError = toRouterError(error, bodyLimit);
    if (routerError.status >= 500) log.error({ err: error, event: 'request-failed', url: request.url }, routerError.message);
    return reply.status(routerError.status).headers(routerError.headers).send(routerError.body());
  });
  app.setNotFoundHandler((request, reply) => {
    const error = new RouterError(`Unknown request URL: ${request.method} ${request.url}; the router serves /v1/chat/completions, /v1/completions and /v1/models`, { status: 404, code: 'unknown_url' });
    return reply.status(404).send(error.body());
  });
  // onResponse runs on the response's last byte, streamed (hijacked) responses included.
  app.addHook('onResponse', async (request, reply) => {
    if (request.routeOptions.url === undefined || !completionRoutes.has(request.routeOptions.url)) return;
    const state = stateOf(request);
    metrics.requests.inc({ model: state.label, status: String(reply.statusCode) });
    metrics.latency.observe({ model: state.label }, (performance.now() - state.startedAt) / 1000);
  });
}

function installRoutes(app: FastifyInstance, services: RouterServices, registry: AdapterRegistry, stateOf: StateOf): void {
  app.post('/v1/chat/completions', async (request, reply) => {
    const parsed = chatCompletionRequest.safeParse(request.body);
    if (!parsed.success) throw invalidBody('POST /v1/chat/completions', parsed.error.issues);
    const state = stateOf(request);
    await handleCompletion(services, chatCall(parsed.data, state.keyId), reply, state.startedAt, (label) => (state.label = label));
  });
  app.post('/v1/completions', async (request, reply) => {
    const parsed = completionRequest.safeParse(request.body);
    if (!parsed.success) throw invalidBody('POST /v1/completions', parsed.error.issues);
    const state = stateOf(request);
    await handleCompletion(services, textCall(parsed.data, state.keyId), reply, state.startedAt, (label) => (state.label = label));
  });
  app.get('/v1/models', async () => ({ object: 'list', data: await listServedModels(registry, services.baseId) }));
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/metrics', async (_request, reply) => reply.header('content-type', services.metrics.registry.contentType).send(await services.metrics.registry.metrics()));
}

/** API keys and rate limits on every /v1 route; /healthz and /metrics stay open for probes and scrapers. */
function installAccessControl(app: FastifyInstance, options: RouterOptions, stateOf: StateOf): void {
  const keys = new ApiKeyStore(options.redis, options.prefix);
  const limiter = new RateLimiter(options.redis, options.prefix, options.rateLimitPerMinute ?? 600);
  const auth = options.auth ?? true;
  app.addHook('onRequest', async (request) => {
    const state = stateOf(request);
    if (!request.url.startsWith('/v1/')) return;
    if (auth) {
      const header = request.headers.authorization ?? '';
      const match = /^Bearer\s+(\S+)$/i.exec(header);
      const record = match === null ? undefined : await keys.verify(match[1] as string);
      if (record === undefined) {
        throw new RouterError(
          match === null ? 'You did not provide an API key; send "Authorization: Bearer KEY" with a key from `lora keys create`' : 'Incorrect API key provided; create one with `lora keys create NAME`',
          { status: 401, type: 'invalid_request_error', code: 'invalid_api_key' },
        );
      }
      state.keyId = record.id;
    }
    const decision = await limiter.take(state.keyId ?? 'anonymous');
    if (!decision.allowed) {
      throw new RouterError(`Rate limit reached: ${limiter.perMinute} requests per minute for this key; retry after ${decision.retryAfterSeconds} s`, {
        status: 429,
        type: 'rate_limit_error',
        code: 'rate_limit_exceeded',
        headers: { 'retry-after': String(decision.retryAfterSeconds) },
      });
    }
  });
}
