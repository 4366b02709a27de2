import { z } from 'zod';
import { stageNames } from '../core/index.js';

/** The payload of every stage job. `params` is checked again by the stage's own schema when the job starts. */
export const stageJobData = z
  .object({
    schemaVersion: z.literal(1),
    runId: z.string().min(1),
    stage: z.enum(stageNames),
    params: z.unknown(),
  })
  .strict();

/** A stage job's payload. */
export type StageJobData = z.infer<typeof stageJobData>;

/** What Redis keeps of a run besides its jobs: the spec it came from and whether it was cancelled. */
export const runRecord = z.object({
  schemaVersion: z.literal(1),
  runId: z.string(),
  specHash: z.string(),
  name: z.string(),
  spec: z.unknown(),
  createdAt: z.number(),
  stages: z.array(z.object({ name: z.enum(stageNames), jobId: z.string() })),
  cancelledAt: z.number().optional(),
});

/** A run's record in Redis. */
export type RunRecord = z.infer<typeof runRecord>;

/** The states a run or a stage can be in, as people read them. */
export const runStates = ['waiting', 'active', 'completed', 'failed', 'cancelled'] as const;

/** One of `waiting`, `active`, `completed`, `failed`, `cancelled`. */
export type RunState = (typeof runStates)[number];

/** A stage of a run as `lora jobs show --json` prints it. */
export interface StageStatus {
  name: string;
  jobId: string;
  state: RunState;
  progress: unknown;
  result: unknown;
  error: string | null;
  attempts: number;
  startedAt: number | null;
  finishedAt: number | null;
}

/** A run as `lora jobs show --json` prints it. */
export interface RunStatus {
  id: string;
  name: string;
  state: RunState;
  createdAt: number;
  stages: StageStatus[];
}

/** The BullMQ job id of a stage of a run. BullMQ forbids ":" in custom ids. */
export function stageJobId(runId: string, stage: string): string {
  return `${runId}.${stage}`;
}
