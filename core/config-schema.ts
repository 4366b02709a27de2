import { z } from 'zod';

/** Log levels pino knows, plus `silent`. */
export const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;

const storeUrl = z
  .string()
  .regex(/^(file|s3):\/\/.+/, { message: 'must be a file://PATH or s3://BUCKET[/PREFIX] URL' });

/** The whole configuration of lora, with the defaults of the embedded setup. */
export const loraConfig = z
  .object({
    redis: z
      .object({
        url: z.url({ protocol: /^rediss?$/ }).default('redis://127.0.0.1:6379'),
        /** Key prefix of every queue and record, so that several installations can share one Redis. */
        prefix: z.string().regex(/^[A-Za-z0-9_-]+$/, { message: 'must be letters, digits, "_" or "-"' }).default('lora'),
        /** How long a command waits for Redis before it fails, naming the URL. */
        connectTimeoutMs: z.number().int().positive().default(3000),
      })
      .strict()
      .prefault({}),
    store: z
      .object({
        url: storeUrl.default('file://./.lora'),
        s3: z
          .object({
            endpoint: z.url().optional(),
            region: z.string().min(1).default('us-east-1'),
            forcePathStyle: z.boolean().default(true),
            maxAttempts: z.number().int().min(1).max(20).default(5),
            partSizeMiB: z.number().int().min(5).max(5120).default(8),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    log: z
      .object({ level: z.enum(logLevels).default('info') })
      .strict()
      .prefault({}),
    worker: z
      .object({
        concurrency: z.number().int().min(1).max(256).default(1),
        /** How long a job's lock lives without renewal; a dead worker's job is picked up after about this long. */
        lockDurationMs: z.number().int().min(200).default(30_000),
        stalledIntervalMs: z.number().int().min(100).default(30_000),
        maxStalledCount: z.number().int().min(0).default(2),
      })
      .strict()
      .prefault({}),
    model: z
      .object({
        /** Which TensorFlow.js backend runs models: `auto` tries tensorflow (native) → wasm → cpu. */
        backend: z.enum(['auto', 'tensorflow', 'wasm', 'cpu']).default('auto'),
        /** Local folder where models pulled into or read from the store are cached for loading. */
        cacheDir: z.string().min(1).default('.lora/cache/models'),
        /** Hugging Face-style hub that `lora models pull` downloads from. */
        hubEndpoint: z.url().default('https://huggingface.co'),
      })
      .strict()
      .prefault({}),
    evals: z
      .object({
        /** OpenAI-compatible endpoints a baseline can name as `NAME:MODEL` (OpenRouter, vLLM, Ollama, LiteLLM). */
        providers: z
          .record(
            z.string().regex(/^[a-z][a-z0-9-]*$/, { message: 'must be lowercase letters, digits and "-"' }),
            z
              .object({
                baseUrl: z.url({ protocol: /^https?$/ }),
                apiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
                model: z.string().min(1).optional(),
              })
              .strict(),
          )
          .default({}),
      })
      .strict()
      .prefault({}),
    jobs: z
      .object({
        attempts: z.number().int().min(1).max(100).default(3),
        backoffMs: z.number().int().min(0).default(2_000),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** A fully resolved configuration. */
export type LoraConfig = z.infer<typeof loraConfig>;

/** A partial configuration as one source (file, environment, flags) provides it. */
export type ConfigLayer = z.input<typeof loraConfig>;
