// Judge calls saved per item under `evals/ID/judge/`, like the answers, so that a resumed or repeated eval asks
// the judge nothing it has already answered.
import { z } from 'zod';
import { canonicalJson, sha256Hex, type ArtifactStore } from '../../core/index.js';
import type { ChatProvider, ChatRequest, ChatResponse } from '../providers/index.js';

/** The calls made for one item: each side graded alone, and the pair compared in both orders. */
export type JudgeCallName = 'single-candidate' | 'single-baseline' | 'pairwise-candidate-first' | 'pairwise-baseline-first';

/** Where the judge and its saved calls live. */
export interface JudgeCallContext {
  evalId: string;
  store: ArtifactStore;
  provider: ChatProvider;
  /** Items judged at once; the provider limits its own requests in flight too. */
  concurrency: number;
  signal?: AbortSignal;
}

/** A judge reply and the request it answered. */
export interface JudgeReply {
  index: number;
  call: JudgeCallName;
  response: ChatResponse;
}

const savedJudgeCall = z.object({
  schemaVersion: z.literal(1),
  judge: z.string(),
  /** The hash of everything that shapes the reply; a call saved for another judge, prompt or setting is asked again. */
  requestSha256: z.string(),
  response: z.object({
    text: z.string(),
    usage: z.object({ promptTokens: z.number().int().min(0), cachedPromptTokens: z.number().int().min(0), completionTokens: z.number().int().min(0) }),
    latencyMs: z.number().min(0),
    cached: z.boolean(),
    finishReason: z.string().nullable(),
  }),
});

/** The store key of one judge call of item `index`. */
export function judgeCallKey(evalId: string, index: number, call: JudgeCallName): string {
  return `evals/${evalId}/judge/${String(index).padStart(6, '0')}.${call}.json`;
}

function requestSha256(provider: ChatProvider, request: ChatRequest): string {
  const { messages, maxTokens, temperature, seed, stop } = request;
  return sha256Hex(canonicalJson({ judge: provider.id, model: provider.model, messages, maxTokens, temperature, seed: seed ?? null, stop: stop ?? null }));
}

/** The judge's reply to `request` for item `index`: the saved one when it answers the same request, else a new call, saved before it is returned. */
export async function askJudge(context: JudgeCallContext, index: number, call: JudgeCallName, request: ChatRequest): Promise<JudgeReply> {
  const { store, provider, signal } = context;
  const key = judgeCallKey(context.evalId, index, call);
  const hash = requestSha256(provider, request);
  const saved = savedJudgeCall.safeParse(await store.readJson(key));
  if (saved.success && saved.data.requestSha256 === hash) return { index, call, response: saved.data.response };
  if (signal?.aborted) throw signal.reason ?? new Error('eval aborted');
  const response = await provider.complete(request, signal);
  await store.writeJson(key, { schemaVersion: 1, judge: provider.id, requestSha256: hash, response } satisfies z.infer<typeof savedJudgeCall>);
  return { index, call, response };
}

/** Runs `task` for item indices 0 … count − 1, `concurrency` at a time, stopping at the first failure or abort. */
export async function forEachItem(count: number, context: Pick<JudgeCallContext, 'concurrency' | 'signal'>, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < count; index = next++) {
      if (context.signal?.aborted) throw context.signal.reason ?? new Error('eval aborted');
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(context.concurrency, count)) }, worker));
}
