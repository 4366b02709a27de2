import { z } from 'zod';
import { curateParams } from '../datasets/index.js';
import { loraHyperparameters, promotionPolicy, trainingSettings } from '../adapters/index.js';
import { evalParams } from '../evals/index.js';
import type { StagePlanEntry } from '../jobs/index.js';

/** A pipeline spec: what to curate, which base model to adapt, how to train, evaluate and promote. */
export const pipelineSpec = z
  .object({
    schemaVersion: z.literal(1),
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'must be lowercase letters, digits and "-"' }),
    dataset: curateParams,
    baseModel: z.string().min(1).default('builtin:tiny'),
    lora: loraHyperparameters.prefault({}),
    training: trainingSettings.prefault({}),
    eval: evalParams.prefault({}),
    promotion: z
      .object({ policy: promotionPolicy.shape.policy, adapterName: promotionPolicy.shape.adapterName.optional() })
      .strict()
      .prefault({}),
  })
  .strict();

/** A validated pipeline spec, defaults filled in. */
export type PipelineSpec = z.infer<typeof pipelineSpec>;

/** Each stage and its slice of the spec, in pipeline order. */
export function stagePlan(spec: PipelineSpec): StagePlanEntry[] {
  return [
    { stage: 'curate', params: { ...spec.dataset, name: spec.dataset.name ?? spec.name } },
    { stage: 'train', params: { baseModel: spec.baseModel, adapterName: spec.promotion.adapterName ?? spec.name, lora: spec.lora, training: spec.training } },
    { stage: 'eval', params: spec.eval },
    { stage: 'register', params: { adapterName: spec.promotion.adapterName ?? spec.name, policy: spec.promotion.policy } },
  ];
}
