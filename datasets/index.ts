// Dataset curation: readers of every input format, the curation steps, dataset versions in the store,
// and the `curate` stage.
export { curateStage, curatedSourcePrefix } from './curate-stage.js';
export { curateDataset, type CurateDatasetOptions, type CurationOutcome, type DatasetInput } from './curate-dataset.js';
export { curationConfig, maxInvalid, type CurationConfig } from './curation-config.js';
export { curateParams, curateResult, datasetName, type CurateParams, type CurateResult } from './curate-contracts.js';
export { datasetManifest, manifestKeyOf, type DatasetManifest } from './dataset-manifest.js';
export { listDatasets, resolveDataset, splitLines, diffDatasets, type DatasetDiff } from './dataset-catalog.js';
export { canonicalRecord, chatRoles, type CanonicalRecord, type CanonicalMessage } from './canonical-record.js';
export { splitNames, type SplitName } from './curation/split-assigner.js';
export { readRecords, defaultReaderOptions, type ReadRecordsOptions, type ReadOutcome } from './formats/index.js';
