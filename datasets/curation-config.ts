import { z } from 'zod';

/** How many rejected records a run tolerates: a count (`25`) or a share (`"5%"`). */
export const maxInvalid = z.union([z.number().int().min(0), z.string().regex(/^\d+(\.\d+)?%$/, { message: 'must be a count or a percentage such as "5%"' })]);

const shareOf = z.number().min(0).max(1);

/** Every curation setting, with defaults; the same schema serves `--config FILE` and a pipeline spec's `dataset`. */
export const curationConfig = z
  .object({
    format: z.enum(['auto', 'openai-chat', 'alpaca', 'prompt-completion', 'csv', 'tsv']).default('auto'),
    /** CSV/TSV column names for each part of a record: `prompt` and `completion` by default; `system` and `label` are read when present. */
    columns: z
      .object({ prompt: z.string().min(1).optional(), completion: z.string().min(1).optional(), system: z.string().min(1).optional(), label: z.string().min(1).optional() })
      .strict()
      .prefault({}),
    maxInvalid: maxInvalid.default('5%'),
    maxLineBytes: z.number().int().min(1024).default(1_048_576),
    /** A record's budget in characters of content, until the base model's tokenizer can count tokens. */
    maxCharacters: z.number().int().min(1).default(32_768),
    normalize: z
      .object({ unicode: z.enum(['NFC', 'none']).default('NFC'), whitespace: z.boolean().default(true) })
      .strict()
      .prefault({}),
    dedupe: z
      .object({
        exact: z.boolean().default(true),
        near: z
          .object({
            enabled: z.boolean().default(true),
            shingleSize: z.number().int().min(2).max(32).default(5),
            bands: z.number().int().min(1).max(64).default(16),
            rows: z.number().int().min(1).max(32).default(8),
            threshold: z.number().min(0.1).max(1).default(0.8),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    quality: z
      .object({
        minTokens: z.number().int().min(0).default(1),
        maxTokens: z.number().int().min(1).default(8_192),
        dropDegenerate: z.boolean().default(true),
        /** Share of repeated word 3-grams in a response above which it is dropped as repetitive. */
        maxRepetition: shareOf.default(0.5),
      })
      .strict()
      .prefault({}),
    pii: z
      .object({ mode: z.enum(['replace', 'drop', 'off']).default('replace') })
      .strict()
      .prefault({}),
    decontamination: z
      .object({
        enabled: z.boolean().default(true),
        ngram: z.number().int().min(4).max(64).default(13),
        /** Benchmark files (JSONL of any supported format) whose n-grams training data must not share. */
        benchmarks: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .prefault({}),
    split: z
      .object({ train: shareOf.default(0.9), validation: shareOf.default(0.05), test: shareOf.default(0.05), stratify: z.boolean().default(true) })
      .strict()
      .prefault({})
      .refine((split) => Math.abs(split.train + split.validation + split.test - 1) < 1e-9, { message: 'train + validation + test must add up to 1' }),
  })
  .strict();

/** A resolved curation configuration. */
export type CurationConfig = z.infer<typeof curationConfig>;
