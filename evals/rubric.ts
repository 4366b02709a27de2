import { z } from 'zod';

/** One metric of a rubric: its weight in the verdict and an optional pass threshold on its mean. */
export const rubricMetric = z
  .object({
    name: z.string().min(1),
    weight: z.number().min(0).default(1),
    /** The candidate's mean must reach this for the metric to pass the gate. */
    threshold: z.number().min(0).max(1).optional(),
    options: z.record(z.string(), z.unknown()).default({}),
  })
  .strict();

/** How answers are laid before an LLM judge: each graded alone, the two compared, or both. */
export const judgeModes = ['single', 'pairwise', 'both'] as const;

/**
 * An LLM judge that grades both sides' answers against `rubricText`, adding the metrics `judge_score` (single)
 * and `judge_pairwise` (pairwise) to the verdict with `weight`.
 */
export const rubricJudge = z
  .object({
    /** The judge model, as a baseline is named: `openai:MODEL`, `router:NAME` or `NAME:MODEL` for a configured provider. */
    provider: z
      .string()
      .min(1)
      .refine((spec) => spec.trim() !== 'recorded' && !spec.trim().startsWith('fewshot:'), {
        message: 'must name a live model such as openai:gpt-5.2; "recorded" and "fewshot:" baselines cannot judge',
      }),
    temperature: z.number().min(0).max(2).default(0),
    seed: z.number().int().default(0),
    /** What a good answer is, in words the judge is given with every item. */
    rubricText: z.string().min(1),
    mode: z.enum(judgeModes).default('single'),
    weight: z.number().min(0).default(1),
    /** Room for the judge's reasoning before its last line (`Score: N` or `Verdict: A|B|tie`). */
    maxTokens: z.number().int().min(1).max(4096).default(512),
  })
  .strict();

/** The judge section of a rubric. */
export type RubricJudge = z.infer<typeof rubricJudge>;

/**
 * What "good enough and cheaper" means for one task: metrics with weights and thresholds, the
 * non-inferiority margin, and a cost target. Validated wherever a rubric enters (file, spec, flag).
 */
export const rubric = z
  .object({
    schemaVersion: z.literal(1).default(1),
    metrics: z.array(rubricMetric).min(1).default([{ name: 'exact_match', weight: 1, options: {} }]),
    /** The candidate may be this much worse than the baseline (on a 0–1 metric) and still be non-inferior. */
    margin: z.number().min(0).max(1).default(0.05),
    cost: z
      .object({
        /** The candidate's cost per 1,000 requests must be at most this fraction of the baseline's. */
        maxRatio: z.number().positive().default(0.5),
        /** What the adapter's compute costs: a GPU (or CPU) hour, or a hosted endpoint's price. */
        usdPerComputeHour: z.number().min(0).optional(),
        usdPer1MTokens: z.number().min(0).optional(),
        /** The catalog entry (`provider:model`) the baseline's tokens are priced at, when its spec does not name one (recorded baselines). */
        baselinePrice: z.string().regex(/^[^:]+:.+$/).optional(),
      })
      .strict()
      .prefault({}),
    /** At most this many test items (all when absent). */
    maxItems: z.number().int().min(1).optional(),
    maxTokens: z.number().int().min(1).max(4096).default(32),
    bootstrap: z.object({ resamples: z.number().int().min(100).max(100_000).default(2000), seed: z.number().int().default(1) }).strict().prefault({}),
    /** An LLM judge; none when absent. */
    judge: rubricJudge.optional(),
  })
  .strict();

export type Rubric = z.infer<typeof rubric>;
