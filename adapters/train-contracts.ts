import { z } from 'zod';

/** LoRA hyperparameters with PEFT's meaning. */
export const loraHyperparameters = z
  .object({
    r: z.number().int().min(1).max(256).default(8),
    alpha: z.number().positive().default(16),
    dropout: z.number().min(0).max(0.9).default(0.05),
    targetModules: z.union([z.array(z.string().min(1)).min(1), z.literal('all-linear')]).default(['q_proj', 'v_proj']),
    useRslora: z.boolean().default(false),
  })
  .strict();

/** Trainer settings; `auto` epochs are derived from the dataset's size. */
export const trainingSettings = z
  .object({
    epochs: z.union([z.literal('auto'), z.number().int().min(1).max(100)]).default('auto'),
    learningRate: z.number().positive().max(1).default(2e-4),
    batchSize: z.number().int().min(1).max(1024).default(4),
    seed: z.number().int().min(0).default(42),
  })
  .strict();

/** The train stage's parameters: the base model, LoRA and trainer settings. */
export const trainParams = z
  .object({
    baseModel: z.string().min(1),
    lora: loraHyperparameters.prefault({}),
    training: trainingSettings.prefault({}),
  })
  .strict();

/** The train stage's parameters. */
export type TrainParams = z.infer<typeof trainParams>;

/** The train stage's result; `adapter` is null until the trainer exists, and `reason` says why. */
export const trainResult = z.object({
  schemaVersion: z.literal(1),
  datasetVersion: z.string(),
  baseModel: z.string(),
  adapter: z.null(),
  reason: z.string(),
  plan: z.object({
    examples: z.number().int(),
    epochs: z.number().int(),
    batchSize: z.number().int(),
    stepsPerEpoch: z.number().int(),
    totalSteps: z.number().int(),
    learningRate: z.number(),
    seed: z.number().int(),
  }),
  planKey: z.string(),
});

/** The train stage's result. */
export type TrainResult = z.infer<typeof trainResult>;
