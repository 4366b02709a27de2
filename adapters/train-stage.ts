import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, canonicalJson, type StageContext, type StageDefinition } from '../core/index.js';
import { canonicalRecord, datasetManifest, splitLines, type CurateResult, type DatasetManifest } from '../datasets/index.js';
import { autoEpochs } from './auto-epochs.js';
import { encodeChatExample } from './lora/chat-encoding.js';
import { LoraAdapter } from './lora/lora-adapter.js';
import { targetModules, type LoraSettings } from './lora/lora-contracts.js';
import { writePeftFolder } from './lora/peft-folder.js';
import { LanguageModel } from './model/language-model.js';
import { resolveModel } from './model/model-catalog.js';
import type { TokenizedExample } from './model/sequence-packing.js';
import type { BackendPreference } from './model/tensor-backend.js';
import { CheckpointStore } from './training/checkpoint-store.js';
import { trainLora } from './training/lora-trainer.js';
import { trainerSettings } from './training/trainer-settings.js';
import { trainParams, trainResult, type TrainParams, type TrainResult } from './train-contracts.js';
import { codeVersion } from './code-version.js';
import type { AdapterRegistry } from './registry/adapter-registry.js';

/** Where the train stage finds models and which backend it trains on. */
export interface TrainStageOptions {
  backend: BackendPreference;
  cacheDir: string;
  /** Where trained adapters are registered as candidates; without it nothing is registered. */
  registry?: AdapterRegistry;
}

async function readSplit(context: StageContext, manifest: DatasetManifest, split: 'train' | 'validation', model: LanguageModel, maxTokens: number) {
  const examples: TokenizedExample[] = [];
  let skipped = 0;
  for await (const line of splitLines(context.store, manifest, split)) {
    const record = canonicalRecord.parse(JSON.parse(line));
    const example = encodeChatExample(model, record.messages);
    // An example cut to the row length would lose its answer, so it is left out and counted.
    if (example.tokens.length > maxTokens) skipped += 1;
    else examples.push(example);
  }
  return { examples, skipped };
}

function toLoraSettings(params: TrainParams): LoraSettings {
  return {
    r: params.lora.r,
    lora_alpha: params.lora.alpha,
    lora_dropout: params.lora.dropout,
    // Written as the expanded list, as PEFT itself saves it; vLLM reads lists.
    target_modules: targetModules({ target_modules: params.lora.targetModules }),
    use_rslora: params.lora.useRslora,
    bias: 'none',
  };
}

async function uploadFolder(context: StageContext, folder: string, prefix: string) {
  const files: { name: string; size: number; sha256: string }[] = [];
  for (const name of (await readdir(folder)).sort()) {
    const bytes = await readFile(join(folder, name));
    files.push({ name, size: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') });
    await context.store.put(`${prefix}${name}`, bytes);
  }
  return files;
}

async function train(input: { runId: string; params: TrainParams; previous: CurateResult }, context: StageContext, options: TrainStageOptions): Promise<TrainResult> {
  const { params, previous, runId } = input;
  const manifestValue = datasetManifest.safeParse(await context.store.readJson(previous.manifestKey));
  if (!manifestValue.success) throw new InputError(`dataset manifest ${previous.manifestKey} is missing or invalid in ${context.store.url}`, { code: 'manifest-invalid' });
  const manifest = manifestValue.data;
  const resolved = await resolveModel(params.baseModel, { store: context.store, cacheDir: options.cacheDir });
  const model = await LanguageModel.load(resolved.folder, { name: resolved.name, backend: options.backend, log: context.log });
  context.log.info({ backend: model.backend.name, provider: model.backend.provider, baseModel: resolved.name }, `training on ${model.backend.name}`);
  try {
    const train = await readSplit(context, manifest, 'train', model, params.training.sequenceLength);
    const validation = await readSplit(context, manifest, 'validation', model, params.training.sequenceLength);
    if (train.examples.length === 0) {
      throw new InputError(`dataset ${manifest.name}@${manifest.id} has no training example that fits in ${params.training.sequenceLength} tokens`, { code: 'dataset-empty' });
    }
    const epochs = params.training.epochs === 'auto' ? autoEpochs(train.examples.length) : params.training.epochs;
    const settings = trainerSettings.parse({ ...params.training, epochs });
    const lora = toLoraSettings(params);
    const adapter = new LoraAdapter(model.config, lora, settings.seed);
    const started = performance.now();
    try {
      const outcome = await trainLora({
        decoder: model.decoder,
        adapter,
        train: train.examples,
        validation: validation.examples,
        settings,
        padTokenId: model.generationTokenizer.padTokenId,
        checkpoints: new CheckpointStore(context.store, `runs/${runId}/checkpoints/`),
        signal: context.signal,
        log: context.log,
        onStep: async (event) => {
          const validationText = event.validationLoss === undefined ? '' : ` val ${event.validationLoss.toFixed(3)}`;
          await context.progress({
            fraction: event.step / event.totalSteps,
            step: event.step,
            totalSteps: event.totalSteps,
            message: `loss ${event.loss.toFixed(3)}${validationText} ${Math.round(event.tokensPerSecond)} tok/s eta ${Math.round(event.etaSeconds)}s`,
          });
        },
      });
      const { metrics } = outcome;
      const folder = await mkdtemp(join(tmpdir(), 'lora-adapter-'));
      try {
        const peft = join(folder, 'peft');
        await writePeftFolder(peft, {
          adapter: { tensors: outcome.tensors, settings: lora, config: model.config },
          baseModelName: resolved.name,
          card: {
            title: `${manifest.name} LoRA adapter (run ${runId})`,
            datasetVersion: `${manifest.name}@${manifest.id}`,
            metrics: { bestValidationLoss: metrics.bestValidationLoss ?? 'n/a', steps: metrics.steps, backend: model.backend.name },
          },
        });
        const prefix = `runs/${runId}/adapter/`;
        const files = await uploadFolder(context, peft, prefix);
        const weights = files.find((file) => file.name === 'adapter_model.safetensors');
        const seconds = (performance.now() - started) / 1000;
        const manifestKey = `${prefix}lora-manifest.json`;
        const resultMetrics = { ...metrics, epochs: metrics.epochsCompleted, seconds };
        await context.store.writeJson(manifestKey, {
          schemaVersion: 1,
          runId,
          dataset: { name: manifest.name, version: manifest.id, manifestKey: previous.manifestKey },
          baseModel: { name: resolved.name, sha256: model.identity.sha256, architecture: model.identity.architecture },
          lora,
          training: settings,
          backend: { name: model.backend.name, provider: model.backend.provider },
          seed: settings.seed,
          metrics: resultMetrics,
          codeVersion: await codeVersion(),
          files,
        });
        context.log.info({ steps: metrics.steps, bestValidationLoss: metrics.bestValidationLoss, stoppedBy: metrics.stoppedBy }, 'adapter trained and stored');
        let registered: TrainResult['registered'] = null;
        if (params.adapterName !== undefined && options.registry !== undefined) {
          const version = await options.registry.register({
            name: params.adapterName,
            artifact: { uri: `${context.store.url.replace(/\/$/, '')}/${prefix}`, key: prefix, sha256: weights?.sha256 ?? '' },
            baseModel: { name: resolved.name, sha256: model.identity.sha256 },
            dataset: { name: manifest.name, version: manifest.id },
            hyperparameters: { lora, training: settings },
            metrics: { bestValidationLoss: metrics.bestValidationLoss, bestStep: metrics.bestStep, steps: metrics.steps, trainTokens: metrics.trainTokens, seconds },
            backend: model.backend.name,
            runId,
          });
          registered = { name: version.name, version: version.version, reference: `${version.name}@v${version.version}` };
          context.log.info({ adapter: registered.reference }, `registered ${registered.reference} as candidate`);
        }
        return {
          schemaVersion: 2,
          datasetVersion: previous.datasetVersion,
          datasetManifestKey: previous.manifestKey,
          baseModel: { name: resolved.name, sha256: model.identity.sha256, architecture: model.identity.architecture, parameters: model.identity.parameters },
          backend: model.backend.name,
          adapter: { prefix, sha256: weights?.sha256 ?? createHash('sha256').update(canonicalJson(files)).digest('hex'), files },
          manifestKey,
          registered,
          examples: { train: train.examples.length, validation: validation.examples.length, skipped: train.skipped + validation.skipped },
          metrics: {
            trainLoss: metrics.trainLoss,
            validationLoss: metrics.validationLoss,
            bestStep: metrics.bestStep,
            bestValidationLoss: metrics.bestValidationLoss,
            steps: metrics.steps,
            totalSteps: metrics.totalSteps,
            epochs: metrics.epochsCompleted,
            stoppedBy: metrics.stoppedBy,
            trainTokens: metrics.trainTokens,
            tokensPerSecond: metrics.tokensPerSecond,
            resumedFromStep: metrics.resumedFromStep,
            seconds,
          },
        };
      } finally {
        await rm(folder, { recursive: true, force: true });
      }
    } finally {
      adapter.dispose();
    }
  } finally {
    model.dispose();
  }
}

/** The `train` stage, with the worker's backend and model cache. */
export function createTrainStage(options: TrainStageOptions): StageDefinition<TrainParams, CurateResult, TrainResult> {
  return {
    name: 'train',
    params: trainParams,
    result: trainResult,
    process: (input, context) => train(input, context, options),
  };
}

/** The `train` stage with the embedded defaults: any backend, models cached under `.lora/cache/models`. */
export const trainStage = createTrainStage({ backend: 'auto', cacheDir: '.lora/cache/models' });
