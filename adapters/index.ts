// Adapters: LoRA hyperparameters, the `train` and `register` stages and their contracts.
export { trainStage, createTrainStage, type TrainStageOptions } from './train-stage.js';
export { registerStage, createRegisterStage, type EvalOutcome } from './register-stage.js';
export { autoEpochs } from './auto-epochs.js';
export { loraHyperparameters, trainingSettings, trainParams, trainResult, type TrainParams, type TrainResult } from './train-contracts.js';
export { promotionPolicy, registerResult, type PromotionPolicy, type RegisterResult } from './register-contracts.js';
// Base-model runtime: Llama-family decoders in tfjs, Hugging Face folders, tokenizers, generation, backends.
export { LanguageModel, type ModelIdentity } from './model/language-model.js';
export { LlamaDecoder, type DecoderBatch, type LinearAdapter, type ForwardOptions } from './model/llama-decoder.js';
export { parseDecoderConfig, expectedTensors, linearModuleShape, parameterCount, supportedArchitectures, linearModuleNames, type DecoderConfig, type LinearModuleName } from './model/model-config.js';
export { loadModelFolder, modelFolderFromStore, type ModelFolder } from './model/model-folder.js';
export { listModels, resolveModel, storeModelPrefix, type ModelSummary, type ResolvedModel } from './model/model-catalog.js';
export { pullModel, type PulledModel } from './model/hub-pull.js';
export { selectBackend, activeBackend, type ActiveBackend, type BackendPreference } from './model/tensor-backend.js';
export { generateTokens, type Generation, type GenerationOptions, type TokenUsage } from './model/generate-tokens.js';
export { openSafetensors } from './model/safetensors/safetensors-reader.js';
export { writeSafetensors, encodeSafetensors } from './model/safetensors/safetensors-writer.js';
export { toDecoderParameters, fromDecoderParameters, randomHostWeights, disposeDecoderParameters, type HostTensor } from './model/decoder-parameters.js';
export { loadTextTokenizer, IncrementalDecoder, type TextTokenizer } from './model/text-tokenizer.js';
export { renderChatTemplate, type ChatMessage } from './model/chat-template.js';
// LoRA with PEFT semantics.
export { LoraAdapter } from './lora/lora-adapter.js';
export { loraSettings, loraScale, targetModules, type LoraSettings } from './lora/lora-contracts.js';
export { encodeChatExample } from './lora/chat-encoding.js';
export { parsePeftAdapterConfig, toPeftAdapterConfig, peftAdapterConfig, type PeftAdapterConfig, type ParsedPeftConfig } from './lora/peft-format.js';
export { writePeftFolder, readPeftFolder, writeFolderAtomically, expectedAdapterTensors, type PeftFolder, type PeftModelCard, type WritePeftFolderOptions } from './lora/peft-folder.js';
export { mergeAdapter, writeMergedFolder } from './lora/merge-adapter.js';
// The trainer.
export { trainLora, type LoraTrainerInput, type LoraTrainerOutput } from './training/lora-trainer.js';
export { trainerSettings, type TrainerSettings, type TrainingMetrics } from './training/trainer-settings.js';
export { CheckpointStore } from './training/checkpoint-store.js';
// The adapter registry.
export { AdapterRegistry, currentActor, type AdapterVersion, type NewAdapterVersion } from './registry/adapter-registry.js';
export { adapterName, registryAliases, parseAdapterReference, adapterVersionRecord, ledgerEntry, type AdapterVersionRecord, type LedgerEntry, type RegistryAlias } from './registry/registry-contracts.js';
export { loadStoredAdapter } from './lora/stored-adapter.js';
