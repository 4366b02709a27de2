import { z } from 'zod';

/** Verdicts of an adapter against its baseline; `NOT_EVALUATED` when there was nothing to evaluate. */
export const verdicts = ['WIN', 'NON_INFERIOR', 'INFERIOR', 'NOT_EVALUATED'] as const;

/** The `eval` part of a pipeline spec. The rubric grows with the evaluation issue. */
export const evalParams = z
  .object({
    baseline: z.string().min(1).default('fewshot:base'),
    nonInferiorityMargin: z.number().min(0).max(1).default(0.02),
  })
  .strict();

/** The eval stage's parameters. */
export type EvalParams = z.infer<typeof evalParams>;

/** The eval stage's result, which the register stage reads. */
export const evalResult = z.object({
  schemaVersion: z.literal(1),
  verdict: z.enum(verdicts),
  reason: z.string(),
  baseline: z.string(),
  datasetVersion: z.string(),
  reportKey: z.string().nullable(),
});

/** The eval stage's result. */
export type EvalResult = z.infer<typeof evalResult>;
