// The pipeline on top: the spec, the stage list, the runtime wiring and the CLI.
export { pipelineSpec, stagePlan, type PipelineSpec } from './pipeline-spec.js';
export { parseSpec, loadSpec } from './load-spec.js';
export { pipelineStages, createPipelineRegistry } from './stages.js';
export { openRuntime, type Runtime } from './runtime.js';
export { resolveSpec, submitSpec } from './submit-run.js';
export { createProgram, main } from './cli/main.js';
