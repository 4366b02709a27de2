import { z } from 'zod';
import { judgeModes } from '../rubric.js';

const interval = z.tuple([z.number(), z.number()]);
const estimate = z.object({ mean: z.number(), ci: interval });

/** One side of an eval: the model, its quality per metric, cost, latency and usage. */
export const evalSide = z.object({
  model: z.string(),
  /** What the side is, for people: e.g. "LoRA adapter support-triage@v3 on builtin:tiny, in process (wasm)". */
  description: z.string(),
  quality: z.record(z.string(), estimate),
  cost: z.object({
    totalUsd: z.number().nullable(),
    usdPer1MTokens: z.number().nullable(),
    usdPer1kRequests: z.number().nullable(),
    /** Where the price came from: a catalog entry with its date, or the configured compute price. */
    basis: z.string(),
  }),
  latencyMs: z.object({ p50: z.number(), p95: z.number() }),
  usage: z.object({ promptTokens: z.number().int(), completionTokens: z.number().int(), cachedPromptTokens: z.number().int() }),
  computeSeconds: z.number().nullable(),
});

export type EvalSide = z.infer<typeof evalSide>;

/** A metric's paired comparison and its verdict. */
export const metricComparison = z.object({
  metric: z.string(),
  weight: z.number(),
  binary: z.boolean(),
  threshold: z.number().nullable(),
  difference: estimate,
  mcnemar: z.object({ b: z.number().int(), c: z.number().int(), statistic: z.number(), pValue: z.number(), method: z.string() }).nullable(),
  verdict: z.enum(['WIN', 'NON_INFERIOR', 'LOSE', 'INCONCLUSIVE']),
  itemsToDecide: z.number().int().nullable(),
  explanation: z.string(),
});

export type MetricComparison = z.infer<typeof metricComparison>;

/** One item: the prompt, the reference, both outputs and their scores. */
export const evalItemRow = z.object({
  id: z.string(),
  prompt: z.string(),
  reference: z.string(),
  candidate: z.object({ output: z.string(), scores: z.record(z.string(), z.number()), latencyMs: z.number() }),
  baseline: z.object({ output: z.string(), scores: z.record(z.string(), z.number()), latencyMs: z.number() }),
});

export type EvalItemRow = z.infer<typeof evalItemRow>;

/**
 * What the LLM judge did, when the rubric has one: who judged with which settings, how many replies could not be
 * read, how often the two orders of a pairwise comparison disagreed, and what the judging cost.
 */
export const evalJudge = z.object({
  /** The judge model as reports name providers, e.g. `openai:gpt-5.2`. */
  model: z.string(),
  temperature: z.number(),
  seed: z.number().int(),
  mode: z.enum(judgeModes),
  /** Judge replies in all, saved ones from an earlier run included. */
  calls: z.number().int(),
  /** Replies without a readable last line (`Score: N`, `Verdict: A|B|tie`); their items go unscored, never scored 0. */
  unparsable: z.number().int(),
  unparsableItems: z.array(z.string()),
  /** Share of items whose two pairwise orders disagreed; null without pairwise judging or without items read in both orders. */
  inconsistencyRate: z.number().nullable(),
  /** Pairwise outcomes for the candidate; an inconsistent pair counts as a tie, and the win rate counts ties as half. */
  pairwise: z.object({ wins: z.number().int(), ties: z.number().int(), losses: z.number().int(), inconsistent: z.number().int(), winRate: estimate.nullable() }).nullable(),
  usage: z.object({ promptTokens: z.number().int(), completionTokens: z.number().int(), cachedPromptTokens: z.number().int() }),
  /** The judge's catalog price applied to its usage; null when the catalog has no price for it. */
  cost: z.object({ totalUsd: z.number().nullable(), basis: z.string() }),
});

export type EvalJudge = z.infer<typeof evalJudge>;

/** The eval report as stored (`evals/ID/report.json`) and printed by `lora evals show --json`. */
export const evalReport = z.object({
  schemaVersion: z.literal(1),
  id: z.string(),
  createdAt: z.string(),
  verdict: z.enum(['WIN', 'NON_INFERIOR', 'LOSE', 'INCONCLUSIVE']),
  /** Quality verdict plus the cost gate: false when the candidate is not cheap enough (or its cost is unknown). */
  gate: z.object({ passed: z.boolean(), reasons: z.array(z.string()) }),
  n: z.number().int(),
  adapter: z.string(),
  dataset: z.string(),
  /** The `--baseline` it was compared with, e.g. `openai:gpt-5.2` or `fewshot:base`. */
  baselineSpec: z.string(),
  margin: z.number(),
  priceCatalogVersion: z.string(),
  candidate: evalSide,
  baseline: evalSide,
  difference: z.record(z.string(), estimate),
  metrics: z.array(metricComparison),
  costRatio: z.number().nullable(),
  trainingLoss: z.object({ trainLoss: z.array(interval), validationLoss: z.array(interval) }).nullable(),
  items: z.array(evalItemRow),
  /** Absent when the rubric has no judge, and in reports written before judges existed. */
  judge: evalJudge.optional(),
});

export type EvalReport = z.infer<typeof evalReport>;
