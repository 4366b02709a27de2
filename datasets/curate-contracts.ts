import { z } from 'zod';

/** A dataset source: a local path (uploaded to the store when the run is submitted) or `store:KEY`. */
export const datasetSource = z.string().min(1);

/** How many rejected records a run tolerates: a count (`25`) or a share (`"5%"`). */
export const maxInvalid = z.union([z.number().int().min(0), z.string().regex(/^\d+(\.\d+)?%$/, { message: 'must be a count or a percentage such as "5%"' })]);

/** The `dataset` part of a pipeline spec, which the curate stage gets. */
export const curateParams = z
  .object({
    source: datasetSource,
    format: z.enum(['auto', 'openai-chat']).default('auto'),
    maxInvalid: maxInvalid.default('5%'),
  })
  .strict();

/** The curate stage's parameters. */
export type CurateParams = z.infer<typeof curateParams>;

/** One validation problem of a dataset record. */
export const recordIssue = z.object({ line: z.number().int(), path: z.string(), code: z.string(), message: z.string() });

/** What a curated dataset version records about itself, stored at `datasets/<version>/manifest.json`. */
export const datasetManifest = z.object({
  schemaVersion: z.literal(1),
  version: z.string(),
  createdAt: z.string(),
  source: z.object({ uri: z.string(), sha256: z.string(), bytes: z.number().int() }),
  format: z.literal('openai-chat'),
  counts: z.object({ read: z.number().int(), kept: z.number().int(), rejected: z.number().int() }),
  issuesByCode: z.record(z.string(), z.number().int()),
  firstIssues: z.array(recordIssue),
  splits: z.object({ train: z.object({ key: z.string(), sha256: z.string(), records: z.number().int(), bytes: z.number().int() }) }),
});

/** A dataset version's manifest. */
export type DatasetManifest = z.infer<typeof datasetManifest>;

/** The curate stage's result, which the train stage reads. */
export const curateResult = z.object({
  schemaVersion: z.literal(1),
  datasetVersion: z.string(),
  manifestKey: z.string(),
  records: z.number().int(),
  rejected: z.number().int(),
});

/** The curate stage's result. */
export type CurateResult = z.infer<typeof curateResult>;
