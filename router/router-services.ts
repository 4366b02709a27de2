import type { FastifyReply } from 'fastify';
import type { LanguageModel, LoraAdapter } from '../adapters/index.js';
import type { Logger } from '../core/index.js';
import type { AdapterPool } from './adapter-pool.js';
import type { FallbackUpstream } from './fallback-upstream.js';
import type { ExclusiveQueue } from './local-generation.js';
import type { AliasReader } from './model-resolver.js';
import type { ResponseCache } from './response-cache.js';
import type { RouterMetrics } from './router-metrics.js';
import type { UsageLog } from './usage-log.js';

/** What the completion handlers work with; built once per router. */
export interface RouterServices {
  model: LanguageModel;
  /** The id clients name the base model by, e.g. `builtin:tiny`. */
  baseId: string;
  aliases: AliasReader;
  pool: AdapterPool<LoraAdapter>;
  queue: ExclusiveQueue;
  fallback: FallbackUpstream | undefined;
  usage: UsageLog;
  metrics: RouterMetrics;
  cache: ResponseCache;
  /** Names (adapter names or the base id) whose deterministic answers are cached. */
  cacheNames: ReadonlySet<string>;
  /** Price of the machine serving adapters; null means unknown, and so is every local cost. */
  usdPerHour: number | null;
  requestTimeoutMs: number;
  defaultMaxTokens: number;
  log: Logger;
}

/** Aborted when the client closes the connection before the response is finished. */
export function clientGoneSignal(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.on('close', () => {
    if (!reply.raw.writableFinished) controller.abort(new Error('the client closed the connection'));
  });
  return controller.signal;
}

/** A generation's deadline: its signal aborts when the time is up or the client goes away. */
export interface GenerationDeadline {
  signal: AbortSignal;
  timedOut(): boolean;
  clientGone(): boolean;
  /**
   * Aborts if the time is up. Called on every generated token, because on the CPU backends generation runs without
   * giving timers a turn, so the timer alone would fire only after the generation it should stop.
   */
  check(): void;
  /** Stops the timer. */
  clear(): void;
}

/** The deadline of one generation, `timeoutMs` from now. */
export function generationDeadline(reply: FastifyReply, timeoutMs: number): GenerationDeadline {
  const client = clientGoneSignal(reply);
  const controller = new AbortController();
  const expiresAt = performance.now() + timeoutMs;
  let expired = false;
  const expire = () => {
    if (controller.signal.aborted) return;
    expired = true;
    controller.abort(new Error(`the request took longer than its timeout of ${timeoutMs} ms`));
  };
  const timer = setTimeout(expire, timeoutMs);
  return {
    signal: AbortSignal.any([controller.signal, client]),
    timedOut: () => expired,
    clientGone: () => client.aborted,
    check: () => {
      if (performance.now() >= expiresAt) expire();
    },
    clear: () => clearTimeout(timer),
  };
}
/** Drops a reply whose client is gone, so that the framework does not try to answer it. */
export function abandon(reply: FastifyReply): void {
  if (!reply.sent) reply.hijack();
  reply.raw.destroy();
}
