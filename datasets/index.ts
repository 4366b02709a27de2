// Dataset curation: the `curate` stage and the contracts of dataset versions.
export { curateStage } from './curate-stage.js';
export { curateParams, curateResult, datasetManifest, maxInvalid, type CurateParams, type CurateResult, type DatasetManifest } from './curate-contracts.js';
export { chatRecord, chatRoles, parseChatLine, type ChatRecord } from './chat-record.js';
