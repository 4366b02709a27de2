import { z } from 'zod';
import { curationConfig } from './curation-config.js';

/** A dataset name: lowercase letters, digits and "-". */
export const datasetName = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: 'must be lowercase letters, digits and "-", starting with a letter or digit' });

/**
 * The `dataset` part of a pipeline spec, which the curate stage gets: a source (a local path,
 * uploaded to the store when the run is submitted; `s3://BUCKET/KEY`; or `store:KEY`), the
 * dataset's name, benchmark files to decontaminate against, and every curation setting.
 */
export const curateParams = curationConfig.extend({
  source: z.string().min(1),
  name: datasetName.optional(),
});

/** The curate stage's parameters. */
export type CurateParams = z.infer<typeof curateParams>;

/** The curate stage's result, which the train stage reads. */
export const curateResult = z.object({
  schemaVersion: z.literal(1),
  datasetVersion: z.string(),
  datasetName: z.string(),
  manifestKey: z.string(),
  records: z.number().int(),
  rejected: z.number().int(),
  splits: z.object({ train: z.number().int(), validation: z.number().int(), test: z.number().int() }),
});

/** The curate stage's result. */
export type CurateResult = z.infer<typeof curateResult>;
