import type { FastifyReply } from 'fastify';
import type { LoraAdapter } from '../adapters/index.js';
import { InputError, LoraError } from '../core/index.js';
import type { AdapterLease } from './adapter-pool.js';
import { encodePrompt, tokensToGenerate, type CompletionCall } from './completion-call.js';
import { CompletionStream } from './completion-stream.js';
import { serveFallback, type FallbackReason } from './fallback-handler.js';
import { generateLocally, type LocalGeneration } from './local-generation.js';
import { resolveModelTarget, type ModelTarget } from './model-resolver.js';
import { completionBody, openAiUsage, responseIdentity } from './openai-shapes.js';
import { ResponseCache } from './response-cache.js';
import { modelNotFound, RouterError } from './router-error.js';
import { abandon, generationDeadline, type RouterServices } from './router-services.js';
import { SseWriter } from './sse-writer.js';
import { recordServed } from './usage-recorder.js';

/** A resolved local target with what the response and the records call it. */
interface LocalTarget {
  target: Exclude<ModelTarget, { kind: 'unavailable' }>;
  /** `NAME@vN` or the base id. */
  servedBy: string;
  label: string;
  headers: Record<string, string>;
}

/**
 * Answers one completion request: resolves `model` (one HGET), serves it from the cache, an adapter or the base
 * model, and fails over to the fallback upstream when the name has no production version or the adapter fails.
 * `setLabel` names the model for the request metrics.
 */
export async function handleCompletion(services: RouterServices, call: CompletionCall, reply: FastifyReply, startedAt: number, setLabel: (label: string) => void): Promise<void> {
  const target = await resolveModelTarget(call.model, { baseId: services.baseId, aliases: services.aliases, onProduction: (name, version) => services.pool.pinProduction(name, version) });
  if (target.kind === 'unavailable') {
    setLabel('unresolved');
    return serveFallback(services, call, reply, { reason: 'no-production-version', label: 'unresolved', startedAt }, () => modelNotFound(call.model, target.reason));
  }
  const local: LocalTarget =
    target.kind === 'base'
      ? { target, servedBy: target.id, label: target.id, headers: {} }
      : { target, servedBy: target.reference, label: target.name, headers: { 'x-lora-adapter': target.reference } };
  setLabel(local.label);
  const cacheKey = cacheKeyOf(services, call, local);
  const cached = cacheKey === undefined ? undefined : services.cache.get(cacheKey);
  if (cached !== undefined) {
    await recordServed(services, call, startedAt, { ...served(local), promptTokens: cached.promptTokens, completionTokens: cached.completionTokens, usd: services.usdPerHour === null ? null : 0, cached: true });
    const body = completionBody(call.endpoint, responseIdentity(call.endpoint, call.model), cached.text, cached.finishReason, openAiUsage(cached.promptTokens, cached.completionTokens));
    return void reply.headers({ ...local.headers, 'x-lora-cache': 'hit' }).send(body);
  }
  let lease: AdapterLease<LoraAdapter> | undefined;
  if (target.kind === 'adapter') {
    try {
      lease = await services.pool.acquire(target.name, target.version);
    } catch (error) {
      return failOver(services, call, reply, local, startedAt, error, false);
    }
  }
  try {
    await serveLocally(services, call, reply, local, startedAt, lease?.adapter, cacheKey);
  } finally {
    lease?.release();
  }
}

function served(local: LocalTarget) {
  return { label: local.label, servedBy: local.servedBy, adapterVersion: local.target.kind === 'adapter' ? local.servedBy : null, fallback: null, cached: false };
}

/** Deterministic, non-streamed requests to a name listed in --cache-names have a cache key. */
function cacheKeyOf(services: RouterServices, call: CompletionCall, local: LocalTarget): string | undefined {
  const name = local.target.kind === 'base' ? local.target.id : local.target.name;
  if (call.stream || call.temperature !== 0 || !services.cacheNames.has(name)) return undefined;
  return ResponseCache.key(local.servedBy, { endpoint: call.endpoint, prompt: call.prompt, maxTokens: call.maxTokens ?? null, stop: call.stop });
}

async function serveLocally(services: RouterServices, call: CompletionCall, reply: FastifyReply, local: LocalTarget, startedAt: number, adapter: LoraAdapter | undefined, cacheKey: string | undefined): Promise<void> {
  let promptIds: number[];
  try {
    promptIds = encodePrompt(services.model, call);
  } catch (error) {
    if (error instanceof InputError) throw new RouterError(`the prompt cannot be rendered for ${services.baseId}: ${error.message}`, { status: 400, code: 'invalid_prompt', param: 'messages' });
    throw error;
  }
  // A tokenizer that adds no start token turns an empty prompt into no tokens at all, which the model cannot continue.
  if (promptIds.length === 0) {
    const param = call.endpoint === 'chat' ? 'messages' : 'prompt';
    throw new RouterError(`"${param}" must give at least one token for ${services.baseId}, got none; send a non-empty prompt`, { status: 400, code: 'invalid_value', param });
  }
  const maxTokens = tokensToGenerate(call, promptIds.length, services.model.config.maxPositionEmbeddings, services.defaultMaxTokens);
  const deadline = generationDeadline(reply, Math.max(0, services.requestTimeoutMs - (performance.now() - startedAt)));
  const identity = responseIdentity(call.endpoint, call.model);
  const stream = call.stream ? new CompletionStream(new SseWriter(reply.raw, { headers: local.headers, onStart: () => reply.hijack() }), call.endpoint, identity) : undefined;
  let generation: LocalGeneration;
  try {
    generation = await generateLocally({
      model: services.model,
      adapter,
      promptIds,
      maxTokens,
      temperature: call.temperature,
      topP: call.topP,
      seed: call.seed,
      stop: call.stop,
      signal: deadline.signal,
      queue: services.queue,
      onText: stream === undefined ? undefined : (piece) => stream.text(piece),
      onStep: deadline.check,
    });
  } catch (error) {
    if (deadline.clientGone()) return abandon(reply);
    if (stream?.started) return stream.fail(generationError(error, deadline.timedOut()).body());
    return failOver(services, call, reply, local, startedAt, error, deadline.timedOut());
  } finally {
    deadline.clear();
  }
  const usd = services.usdPerHour === null ? null : (services.usdPerHour * generation.computeSeconds) / 3600;
  await recordServed(services, call, startedAt, { ...served(local), promptTokens: generation.promptTokens, completionTokens: generation.completionTokens, usd });
  if (stream !== undefined) return stream.end(generation.finishReason, call.includeUsage ? generation : undefined);
  if (cacheKey !== undefined) services.cache.set(cacheKey, { text: generation.text, finishReason: generation.finishReason, promptTokens: generation.promptTokens, completionTokens: generation.completionTokens });
  const body = completionBody(call.endpoint, identity, generation.text, generation.finishReason, openAiUsage(generation.promptTokens, generation.completionTokens));
  reply.headers(local.headers).send(body);
}

/** What a failed local generation answers when there is no fallback. */
function generationError(error: unknown, timedOut: boolean): RouterError {
  if (error instanceof RouterError) return error;
  if (timedOut) return new RouterError('the model did not answer within the request timeout; retry, or raise --timeout-ms', { status: 504, code: 'timeout', cause: error });
  return new RouterError(`generation failed: ${(error as Error).message}`, { status: 500, code: 'generation_failed', cause: error });
}

/**
 * After an adapter failed to load or generate: a version that does not exist is a 404 (or the fallback); client
 * errors are answered as such; anything else goes to the fallback with its reason, or is a 500/504.
 */
async function failOver(services: RouterServices, call: CompletionCall, reply: FastifyReply, local: LocalTarget, startedAt: number, error: unknown, timedOut: boolean): Promise<void> {
  const isAdapter = local.target.kind === 'adapter';
  if (error instanceof LoraError && error.code === 'adapter-not-found') {
    return serveFallback(services, call, reply, { reason: 'no-such-version', label: local.label, startedAt }, () => modelNotFound(call.model, error.message));
  }
  if (error instanceof RouterError && error.status < 500) throw error;
  const reason: FallbackReason = timedOut ? (isAdapter ? 'adapter-timeout' : 'model-timeout') : isAdapter ? 'adapter-error' : 'model-error';
  services.log.warn({ err: error, event: 'generation-failed', model: call.model, servedBy: local.servedBy, reason }, `${local.servedBy} failed (${reason}): ${(error as Error).message}`);
  return serveFallback(services, call, reply, { reason, label: local.label, startedAt }, () => generationError(error, timedOut));
}
