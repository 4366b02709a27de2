import { InputError, type StageContext, type StageDefinition } from '../core/index.js';
import { datasetManifest, type CurateResult } from '../datasets/index.js';
import { autoEpochs } from './auto-epochs.js';
import { trainParams, trainResult, type TrainParams, type TrainResult } from './train-contracts.js';

/**
 * The train stage, first version: it resolves the training plan (epochs, steps) from the curated
 * dataset and stores it, and says plainly that no adapter was trained: the model runtime and the
 * trainer come with their own issues. It never pretends to train.
 */
async function planTraining(input: { runId: string; params: TrainParams; previous: CurateResult }, context: StageContext): Promise<TrainResult> {
  const { params, previous } = input;
  const manifestValue = await context.store.readJson(previous.manifestKey);
  const manifest = datasetManifest.safeParse(manifestValue);
  if (!manifest.success) throw new InputError(`dataset manifest ${previous.manifestKey} is missing or invalid in ${context.store.url}`, { code: 'manifest-invalid' });
  const examples = manifest.data.splits.train.records;
  const epochs = params.training.epochs === 'auto' ? autoEpochs(examples) : params.training.epochs;
  const stepsPerEpoch = Math.ceil(examples / params.training.batchSize);
  const plan = {
    examples,
    epochs,
    batchSize: params.training.batchSize,
    stepsPerEpoch,
    totalSteps: stepsPerEpoch * epochs,
    learningRate: params.training.learningRate,
    seed: params.training.seed,
  };
  const planKey = `runs/${input.runId}/train-plan.json`;
  await context.store.writeJson(planKey, { schemaVersion: 1, datasetVersion: previous.datasetVersion, baseModel: params.baseModel, lora: params.lora, plan });
  context.log.info({ plan }, 'training plan stored; no trainer is installed yet');
  await context.progress({ fraction: 1, step: 0, totalSteps: plan.totalSteps, message: 'plan stored; trainer not built yet' });
  return {
    schemaVersion: 1,
    datasetVersion: previous.datasetVersion,
    baseModel: params.baseModel,
    adapter: null,
    reason: 'no trainer is built yet: this version of lora plans training but does not train adapters',
    plan,
    planKey,
  };
}

/** The `train` stage. */
export const trainStage: StageDefinition<TrainParams, CurateResult, TrainResult> = {
  name: 'train',
  params: trainParams,
  result: trainResult,
  process: planTraining,
};
