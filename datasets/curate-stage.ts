import type { StageContext, StageDefinition } from '../core/index.js';
import { curateDataset, type DatasetInput } from './curate-dataset.js';
import { resolveDataset } from './dataset-catalog.js';
import { manifestKeyOf, type DatasetManifest } from './dataset-manifest.js';
import { curateParams, curateResult, type CurateParams, type CurateResult } from './curate-contracts.js';

/** The `dataset:NAME[@id]` prefix of a source that names a version already curated. */
export const curatedSourcePrefix = 'dataset:';

function resultOf(manifest: DatasetManifest, manifestKey: string): CurateResult {
  return {
    schemaVersion: 1,
    datasetVersion: manifest.id,
    datasetName: manifest.name,
    manifestKey,
    records: manifest.counts.kept,
    rejected: manifest.counts.invalid,
    splits: { train: manifest.splits.train.records, validation: manifest.splits.validation.records, test: manifest.splits.test.records },
  };
}

/**
 * The `curate` stage: the same curation as `lora datasets curate`, with progress on the job. A
 * source `dataset:NAME[@id]` names a version curated before, which is used as it is.
 */
async function curate(input: { runId: string; params: CurateParams }, context: StageContext): Promise<CurateResult> {
  const { params } = input;
  if (params.source.startsWith(curatedSourcePrefix)) {
    const manifest = await resolveDataset(context.store, params.source.slice(curatedSourcePrefix.length));
    context.log.info({ id: manifest.id, name: manifest.name }, 'using a dataset version curated before');
    await context.progress({ fraction: 1, message: `${manifest.name}@${manifest.id}: ${manifest.counts.kept} records` });
    return resultOf(manifest, manifestKeyOf(manifest.name, manifest.id));
  }
  const inputOf = (uri: string): DatasetInput => ({ uri, open: async () => (await context.openSource(uri)).stream });
  const opened = await context.openSource(params.source);
  const source: DatasetInput = { uri: params.source, bytes: opened.bytes, open: async () => opened.stream };
  const { source: _source, name, ...config } = params;
  const outcome = await curateDataset({
    name: name ?? 'dataset',
    source,
    config,
    benchmarks: config.decontamination.benchmarks.map(inputOf),
    store: context.store,
    signal: context.signal,
    onProgress: (update) => void context.progress({ fraction: update.fraction, message: `${update.phase}: ${update.records} records` }).catch(() => undefined),
  });
  const { manifest } = outcome;
  context.log.info({ id: manifest.id, counts: manifest.counts, pii: manifest.pii, created: outcome.created }, 'dataset curated');
  await context.progress({ fraction: 1, message: `${manifest.counts.kept} kept of ${manifest.counts.input}` });
  return resultOf(manifest, outcome.manifestKey);
}

/** The `curate` stage. */
export const curateStage: StageDefinition<CurateParams, undefined, CurateResult> = {
  name: 'curate',
  params: curateParams,
  result: curateResult,
  process: curate,
};
