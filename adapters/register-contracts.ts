import { z } from 'zod';

/** When a run's adapter becomes production: by a person (`manual`) or by the pipeline when the eval gate passes. */
export const promotionPolicy = z
  .object({
    adapterName: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'must be lowercase letters, digits and "-", starting with a letter or digit' }),
    policy: z.enum(['manual', 'auto']).default('manual'),
  })
  .strict();

/** The register stage's parameters. */
export type PromotionPolicy = z.infer<typeof promotionPolicy>;

/** The register stage's result: the version registered, or why none was. */
export const registerResult = z.object({
  schemaVersion: z.literal(1),
  registered: z.boolean(),
  adapterName: z.string(),
  version: z.string().nullable(),
  promoted: z.boolean(),
  reason: z.string(),
  verdict: z.string(),
});

/** The register stage's result. */
export type RegisterResult = z.infer<typeof registerResult>;
