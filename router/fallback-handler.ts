import type { FastifyReply } from 'fastify';
import type { CompletionCall } from './completion-call.js';
import { upstreamUsage, type FallbackUpstream, type UpstreamUsage } from './fallback-upstream.js';
import { RouterError } from './router-error.js';
import { abandon, clientGoneSignal, type RouterServices } from './router-services.js';
import { SseWriter } from './sse-writer.js';
import { recordServed } from './usage-recorder.js';

/** Why a request went to the fallback; sent as `x-lora-fallback`. */
export type FallbackReason = 'no-production-version' | 'no-such-version' | 'adapter-error' | 'adapter-timeout' | 'model-error' | 'model-timeout';

/**
 * Answers from the fallback upstream, or throws `otherwise()` when none is configured. Streams pass the upstream's
 * chunks through; usage is always asked for (to bill the request) and passed on only when the client asked.
 */
export async function serveFallback(services: RouterServices, call: CompletionCall, reply: FastifyReply, context: { reason: FallbackReason; label: string; startedAt: number }, otherwise: () => RouterError): Promise<void> {
  const upstream = services.fallback;
  if (upstream === undefined) throw otherwise();
  // The upstream client has its own timeout; the router's deadline was for the local model.
  const signal = clientGoneSignal(reply);
  services.log.info({ event: 'fallback', model: call.model, reason: context.reason, upstream: upstream.model }, `${call.model}: answered by the fallback (${context.reason})`);
  const served = (usage: UpstreamUsage | undefined) => ({
    label: context.label,
    servedBy: `fallback:${upstream.model}`,
    adapterVersion: null,
    promptTokens: usage?.promptTokens ?? 0,
    completionTokens: usage?.completionTokens ?? 0,
    usd: usage === undefined ? null : costOf(upstream, usage, services),
    fallback: context.reason,
    cached: false,
  });
  if (!call.stream) {
    const body = await upstream.create(call.endpoint, call.body, signal);
    await recordServed(services, call, context.startedAt, served(upstreamUsage(body)));
    return void reply.header('x-lora-fallback', context.reason).send(body);
  }
  await streamFallback(upstream, services, call, reply, context, signal, served);
}

async function streamFallback(
  upstream: FallbackUpstream,
  services: RouterServices,
  call: CompletionCall,
  reply: FastifyReply,
  context: { reason: FallbackReason; startedAt: number },
  signal: AbortSignal,
  served: (usage: UpstreamUsage | undefined) => Parameters<typeof recordServed>[3],
): Promise<void> {
  const chunks = await upstream.stream(call.endpoint, call.body, signal);
  const writer = new SseWriter(reply.raw, { headers: { 'x-lora-fallback': context.reason }, onStart: () => reply.hijack() });
  let usage: UpstreamUsage | undefined;
  try {
    for await (const chunk of chunks) {
      const chunkUsage = upstreamUsage(chunk);
      if (chunkUsage !== undefined) usage = chunkUsage;
      const usageOnly = Array.isArray(chunk.choices) && chunk.choices.length === 0;
      if (usageOnly && !call.includeUsage) continue;
      writer.send(call.includeUsage ? chunk : withoutUsage(chunk));
    }
  } catch (error) {
    if (signal.aborted && !writer.started) return abandon(reply);
    if (!writer.started) throw error;
    const failure = error instanceof RouterError ? error : new RouterError(`fallback stream failed: ${(error as Error).message}`, { status: 502, type: 'upstream_error', code: 'upstream_unavailable' });
    writer.send(failure.body());
    return writer.done();
  }
  await recordServed(services, call, context.startedAt, served(usage));
  writer.done();
}

/** The upstream's cost of `usage`; a usage the price function refuses (cached above prompt tokens) is unknown. */
function costOf(upstream: FallbackUpstream, usage: UpstreamUsage, services: RouterServices): number | null {
  try {
    return upstream.cost(usage);
  } catch (error) {
    services.log.warn({ err: error, event: 'fallback-cost-unknown' }, `fallback cost unknown: ${(error as Error).message}`);
    return null;
  }
}

function withoutUsage(chunk: Record<string, unknown>): Record<string, unknown> {
  if (!('usage' in chunk)) return chunk;
  const { usage: _usage, ...rest } = chunk;
  return rest;
}
