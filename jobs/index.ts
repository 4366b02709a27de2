// Queues, job payloads, workers and the flow producer. Stage processors come in from above (pipeline/);
// this folder imports only core/.
export { StageRegistry } from './stage-registry.js';
export { PipelineClient, runIdOf, runStateOf, type PipelineClientOptions, type StagePlanEntry, type SubmitRequest, type SubmitResult } from './pipeline-client.js';
export { startStageWorkers, type StageWorkerOptions, type StageWorkers } from './stage-worker.js';
export { stageJobData, runRecord, runStates, stageJobId, type StageJobData, type RunRecord, type RunState, type RunStatus, type StageStatus } from './run-contracts.js';
