import { z } from 'zod';
import { linearModuleNames } from './model/model-config.js';

/** LoRA hyperparameters with PEFT's meaning (camelCase in specs, PEFT's names in the exported config). */
export const loraHyperparameters = z
  .object({
    r: z.number().int().min(1).max(256).default(8),
    alpha: z.number().positive().default(16),
    dropout: z.number().min(0).max(0.9).default(0.05),
    targetModules: z.union([z.array(z.enum(linearModuleNames)).min(1), z.literal('all-linear')]).default(['q_proj', 'v_proj']),
    useRslora: z.boolean().default(false),
  })
  .strict();

/** Trainer settings; `auto` epochs are derived from the dataset's size as OpenAI's fine-tuning does. */
export const trainingSettings = z
  .object({
    epochs: z.union([z.literal('auto'), z.number().int().min(1).max(100)]).default('auto'),
    maxSteps: z.number().int().min(1).optional(),
    maxWallSeconds: z.number().positive().optional(),
    learningRate: z.number().positive().max(1).default(2e-4),
    schedule: z.enum(['cosine', 'linear', 'constant']).default('cosine'),
    warmupRatio: z.number().min(0).max(0.5).default(0.05),
    weightDecay: z.number().min(0).max(1).default(0),
    maxGradientNorm: z.number().positive().default(1),
    batchSize: z.number().int().min(1).max(1024).default(4),
    gradientAccumulation: z.number().int().min(1).max(256).default(1),
    sequenceLength: z.number().int().min(16).max(32_768).default(256),
    packing: z.boolean().default(true),
    evaluateEvery: z.number().int().min(1).default(20),
    checkpointEvery: z.number().int().min(1).default(20),
    earlyStoppingPatience: z.number().int().min(1).optional(),
    seed: z.number().int().min(0).default(42),
  })
  .strict();

/** The train stage's parameters: the base model, LoRA and trainer settings. */
export const trainParams = z
  .object({
    baseModel: z.string().min(1),
    /** The registry name the trained adapter becomes a new `candidate` version of. */
    adapterName: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/).optional(),
    lora: loraHyperparameters.prefault({}),
    training: trainingSettings.prefault({}),
  })
  .strict();

/** The train stage's parameters. */
export type TrainParams = z.infer<typeof trainParams>;

const curve = z.array(z.tuple([z.number(), z.number()]));

/** The train stage's result: where the PEFT adapter is, what it was trained on and how training went. */
export const trainResult = z.object({
  schemaVersion: z.literal(2),
  datasetVersion: z.string(),
  /** The curated dataset's manifest, which the eval stage reads its test split from. */
  datasetManifestKey: z.string(),
  baseModel: z.object({ name: z.string(), sha256: z.string(), architecture: z.string(), parameters: z.number().int() }),
  backend: z.string(),
  adapter: z.object({
    /** Store prefix of the PEFT folder: adapter_config.json, adapter_model.safetensors, README.md. */
    prefix: z.string(),
    sha256: z.string(),
    files: z.array(z.object({ name: z.string(), size: z.number().int(), sha256: z.string() })),
  }),
  manifestKey: z.string(),
  /** The registry version this run became, e.g. `support-triage@v3`; null when no name was given. */
  registered: z.object({ name: z.string(), version: z.number().int(), reference: z.string() }).nullable(),
  examples: z.object({ train: z.number().int(), validation: z.number().int(), skipped: z.number().int() }),
  metrics: z.object({
    trainLoss: curve,
    validationLoss: curve,
    bestStep: z.number().int().nullable(),
    bestValidationLoss: z.number().nullable(),
    steps: z.number().int(),
    totalSteps: z.number().int(),
    epochs: z.number().int(),
    stoppedBy: z.string(),
    trainTokens: z.number().int(),
    tokensPerSecond: z.number(),
    resumedFromStep: z.number().int().nullable(),
    seconds: z.number(),
  }),
});

/** The train stage's result. */
export type TrainResult = z.infer<typeof trainResult>;
