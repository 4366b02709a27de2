import type { AnyStageDefinition } from '../core/index.js';
import { curateStage } from '../datasets/index.js';
import { registerStage, trainStage } from '../adapters/index.js';
import { evalStage } from '../evals/index.js';
import { StageRegistry } from '../jobs/index.js';

/** The one list of stages a worker runs, in pipeline order. */
export const pipelineStages: readonly AnyStageDefinition[] = [curateStage, trainStage, evalStage, registerStage];

/** A registry of the pipeline's stages. */
export function createPipelineRegistry(): StageRegistry {
  return new StageRegistry(pipelineStages);
}
