import { z } from 'zod';
import { curationConfig } from './curation-config.js';

const lengthSummary = z.object({ records: z.number().int(), min: z.number(), mean: z.number(), p50: z.number(), p95: z.number(), max: z.number() });

/** One split file of a dataset version: content-addressed JSONL of canonical records. */
export const splitFile = z.object({
  key: z.string(),
  sha256: z.string(),
  bytes: z.number().int(),
  records: z.number().int(),
  tokens: lengthSummary,
  labels: z.record(z.string(), z.number().int()),
});

/** What each curation step removed. */
export const curationCounts = z.object({
  input: z.number().int(),
  invalid: z.number().int(),
  filtered: z.number().int(),
  piiDropped: z.number().int(),
  exactDuplicates: z.number().int(),
  nearDuplicates: z.number().int(),
  decontaminated: z.number().int(),
  kept: z.number().int(),
});

/** A dataset version's manifest, stored at `datasets/NAME/ID/manifest.json`. */
export const datasetManifest = z.object({
  schemaVersion: z.literal(1),
  id: z.string(),
  name: z.string(),
  createdAt: z.string(),
  source: z.object({ uri: z.string(), sha256: z.string(), bytes: z.number().int(), format: z.string() }),
  benchmarks: z.array(z.object({ uri: z.string(), sha256: z.string() })),
  config: curationConfig,
  tokenizer: z.string(),
  counts: curationCounts,
  filteredBy: z.record(z.string(), z.number().int()),
  pii: z.record(z.string(), z.number().int()),
  issuesByCode: z.record(z.string(), z.number().int()),
  issues: z.array(z.object({ line: z.number().int().optional(), code: z.string(), path: z.string(), message: z.string() })),
  nearDuplicateExamples: z.array(z.object({ kept: z.string(), duplicates: z.array(z.string()) })),
  splits: z.object({ train: splitFile, validation: splitFile, test: splitFile }),
  cardKey: z.string(),
});

/** A dataset version's manifest. */
export type DatasetManifest = z.infer<typeof datasetManifest>;

/** The store key of a dataset version's manifest. */
export function manifestKeyOf(name: string, id: string): string {
  return `datasets/${name}/${id}/manifest.json`;
}
