import type { z } from 'zod';
import type { Logger } from 'pino';
import type { ArtifactStore } from './store/artifact-store.js';
import type { SourceOpener } from './store/open-source.js';

/** The stages of a pipeline run, in order; each has a queue of its own. */
export const stageNames = ['curate', 'train', 'eval', 'register'] as const;

/** One of `curate`, `train`, `eval`, `register`. */
export type StageName = (typeof stageNames)[number];

/** What a stage reports while it works; `lora jobs watch` draws it. All fields optional. */
export interface StageProgress {
  /** Share of the stage done, 0 to 1. */
  fraction?: number;
  step?: number;
  totalSteps?: number;
  loss?: number;
  validationLoss?: number;
  tokensPerSecond?: number;
  etaSeconds?: number;
  message?: string;
}

/** What a stage processor gets besides its input: cancellation, logging, progress and the store. */
export interface StageContext {
  /** Aborted when the run is cancelled or the worker shuts down hard. */
  signal: AbortSignal;
  log: Logger;
  progress(update: StageProgress): Promise<void>;
  store: ArtifactStore;
  /** Opens an input named by URI (`store:KEY`, `s3://BUCKET/KEY`, a local path). */
  openSource: SourceOpener;
  runId: string;
  /** 1 on the first try, 2 on the first retry, and so on. */
  attempt: number;
}

/** A stage's input: its slice of the pipeline spec and the result of the stage before it. */
export interface StageInput<Params, Previous> {
  runId: string;
  params: Params;
  previous: Previous;
}

/** A stage: a plain async function and the schemas of its input and result. Retries, locks and state belong to the runner. */
export interface StageDefinition<Params = unknown, Previous = unknown, Result = unknown> {
  name: StageName;
  /** Validates the stage's parameters when a run is submitted and again when the job starts. */
  params: z.ZodType<Params>;
  /** The typed, versioned result the next stage reads. */
  result: z.ZodType<Result>;
  process(input: StageInput<Params, Previous>, context: StageContext): Promise<Result>;
}

/** Any stage, for lists that mix them. */
// `any` here: a list of stages holds different parameter and result types; each is checked by its own schemas.
export type AnyStageDefinition = StageDefinition<any, any, any>;
