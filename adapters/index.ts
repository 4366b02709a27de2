// Adapters: LoRA hyperparameters, the `train` and `register` stages and their contracts.
export { trainStage } from './train-stage.js';
export { registerStage } from './register-stage.js';
export { autoEpochs } from './auto-epochs.js';
export { loraHyperparameters, trainingSettings, trainParams, trainResult, type TrainParams, type TrainResult } from './train-contracts.js';
export { promotionPolicy, registerResult, type PromotionPolicy, type RegisterResult } from './register-contracts.js';
