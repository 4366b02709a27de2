import type { AnyStageDefinition, LoraConfig } from '../core/index.js';
import { curateStage } from '../datasets/index.js';
import { createTrainStage, registerStage } from '../adapters/index.js';
import { evalStage } from '../evals/index.js';
import { StageRegistry } from '../jobs/index.js';

/** The one list of stages a worker runs, in pipeline order; training uses the configured backend and model cache. */
export function pipelineStages(model: LoraConfig['model']): readonly AnyStageDefinition[] {
  return [curateStage, createTrainStage({ backend: model.backend, cacheDir: model.cacheDir }), evalStage, registerStage];
}

/** A registry of the pipeline's stages. */
export function createPipelineRegistry(model: LoraConfig['model']): StageRegistry {
  return new StageRegistry(pipelineStages(model));
}
