import { z } from 'zod';
import { rubric } from './rubric.js';

/** Verdicts of an adapter against its baseline; `NOT_EVALUATED` when there was nothing to evaluate. */
export const verdicts = ['WIN', 'NON_INFERIOR', 'LOSE', 'INCONCLUSIVE', 'NOT_EVALUATED'] as const;

/** The `eval` part of a pipeline spec: the baseline and the rubric. */
export const evalParams = z
  .object({
    /** `fewshot:base` (offline: the base model prompted with examples), `openai:MODEL`, `recorded`, or a configured provider. */
    baseline: z.string().min(1).default('fewshot:base'),
    rubric: rubric.prefault({}),
    fewShot: z.number().int().min(0).max(32).default(4),
  })
  .strict();

/** The eval stage's parameters. */
export type EvalParams = z.infer<typeof evalParams>;

/** The eval stage's result, which the register stage reads. */
export const evalResult = z.object({
  schemaVersion: z.literal(2),
  verdict: z.enum(verdicts),
  /** Quality verdict, thresholds and the cost target together: what promotion is gated on. */
  gatePassed: z.boolean(),
  reason: z.string(),
  baseline: z.string(),
  datasetVersion: z.string(),
  /** The registry version evaluated, e.g. `support-triage@v3`; null when training registered none. */
  adapter: z.string().nullable(),
  reportId: z.string().nullable(),
  reportKey: z.string().nullable(),
  htmlKey: z.string().nullable(),
  summary: z
    .object({
      n: z.number().int(),
      candidate: z.record(z.string(), z.number()),
      baseline: z.record(z.string(), z.number()),
      candidateUsdPer1kRequests: z.number().nullable(),
      baselineUsdPer1kRequests: z.number().nullable(),
      costRatio: z.number().nullable(),
    })
    .nullable(),
});

/** The eval stage's result. */
export type EvalResult = z.infer<typeof evalResult>;
