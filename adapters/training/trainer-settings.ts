import { z } from 'zod';

/** How the trainer runs; everything has a default that suits the tiny model on a CPU. */
export const trainerSettings = z
  .object({
    epochs: z.number().int().min(1).max(100),
    /** Stop after this many optimiser steps even if epochs remain. */
    maxSteps: z.number().int().min(1).optional(),
    /** Stop (after finishing the current step) when this much wall time has passed. */
    maxWallSeconds: z.number().positive().optional(),
    /** Packed rows per micro-batch. */
    batchSize: z.number().int().min(1).max(1024),
    gradientAccumulation: z.number().int().min(1).max(256).default(1),
    learningRate: z.number().positive().max(1),
    schedule: z.enum(['cosine', 'linear', 'constant']).default('cosine'),
    warmupRatio: z.number().min(0).max(0.5).default(0.05),
    weightDecay: z.number().min(0).max(1).default(0),
    maxGradientNorm: z.number().positive().default(1),
    seed: z.number().int().min(0),
    sequenceLength: z.number().int().min(8).max(32_768).default(256),
    /** Several short examples per row, each masked from the others. */
    packing: z.boolean().default(true),
    /** Validation loss every N steps (and at the end). */
    evaluateEvery: z.number().int().min(1).default(20),
    /** A resumable checkpoint every N steps. */
    checkpointEvery: z.number().int().min(1).default(20),
    /** Stop after this many evaluations without a better validation loss; off when absent. */
    earlyStoppingPatience: z.number().int().min(1).optional(),
  })
  .strict();

export type TrainerSettings = z.infer<typeof trainerSettings>;
export type TrainerSettingsInput = z.input<typeof trainerSettings>;

/** What one step reports, for progress bars and the loss curve. */
export interface TrainerStepEvent {
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  validationLoss?: number;
  learningRate: number;
  tokensPerSecond: number;
  etaSeconds: number;
}

/** The loss curve and what the run did, stored with the adapter. */
export interface TrainingMetrics {
  trainLoss: [number, number][];
  validationLoss: [number, number][];
  bestStep: number | null;
  bestValidationLoss: number | null;
  steps: number;
  totalSteps: number;
  epochsCompleted: number;
  stoppedBy: 'completed' | 'max-steps' | 'wall-time' | 'early-stopping';
  trainTokens: number;
  tokensPerSecond: number;
  resumedFromStep: number | null;
}
