import type { AnyStageDefinition, LoraConfig } from '../core/index.js';
import { curateStage } from '../datasets/index.js';
import { createRegisterStage, createTrainStage, type AdapterRegistry } from '../adapters/index.js';
import { createEvalStage } from '../evals/index.js';
import { StageRegistry } from '../jobs/index.js';

/** The one list of stages a worker runs, in pipeline order; training uses the configured backend and model cache. */
export function pipelineStages(model: LoraConfig['model'], services: { registry?: AdapterRegistry; providers?: LoraConfig['evals']['providers'] } = {}): readonly AnyStageDefinition[] {
  return [curateStage, createTrainStage({ backend: model.backend, cacheDir: model.cacheDir, registry: services.registry }), createEvalStage({ backend: model.backend, cacheDir: model.cacheDir, providers: services.providers }), createRegisterStage({ registry: services.registry })];
}

/** A registry of the pipeline's stages. */
export function createPipelineRegistry(model: LoraConfig['model'], services: { registry?: AdapterRegistry; providers?: LoraConfig['evals']['providers'] } = {}): StageRegistry {
  return new StageRegistry(pipelineStages(model, services));
}
