// Stages for orchestration tests: each records what it received, so a test can check order and hand-over.
import type { Redis } from 'ioredis';
import pino from 'pino';
import { z } from 'zod';
import { FileStore, stageNames, type AnyStageDefinition, type StageContext, type StageInput, type StageName } from '../../core/index.js';
import { StageRegistry, startStageWorkers, type StageWorkerOptions, type StageWorkers } from '../../jobs/index.js';

/** What every test stage returns: its name, when it ran, and the previous stage's result. */
export const testResult = z.object({ schemaVersion: z.literal(1), stage: z.string(), finishedAt: z.number(), received: z.unknown() });

/** A test stage's behaviour; by default it returns at once. */
export type TestBehaviour = (input: StageInput<{ label: string }, unknown>, context: StageContext) => Promise<void>;

/** The four stages with the given behaviours; parameters are `{ label }`. */
export function testStages(behaviours: Partial<Record<StageName, TestBehaviour>> = {}): AnyStageDefinition[] {
  return stageNames.map((name) => ({
    name,
    params: z.object({ label: z.string() }).strict(),
    result: testResult,
    async process(input: StageInput<{ label: string }, unknown>, context: StageContext) {
      await behaviours[name]?.(input, context);
      return { schemaVersion: 1 as const, stage: name, finishedAt: Date.now(), received: input.previous ?? null };
    },
  }));
}

/** A plan giving each stage a label. */
export function testPlan(label: string) {
  return stageNames.map((stage) => ({ stage, params: { label: `${label}-${stage}` } }));
}

/** Starts silent workers for the test stages, with short locks so that a dead worker's job is picked up within about a second. */
export async function startTestWorkers(
  connection: Redis,
  prefix: string,
  storeRoot: string,
  behaviours: Partial<Record<StageName, TestBehaviour>> = {},
  overrides: Partial<StageWorkerOptions> = {},
): Promise<StageWorkers> {
  const workers = await startStageWorkers({
    connection,
    prefix,
    registry: new StageRegistry(testStages(behaviours)),
    store: new FileStore(storeRoot),
    log: pino({ level: 'silent' }),
    logLevel: 'silent',
    concurrency: 1,
    lockDurationMs: 1_000,
    stalledIntervalMs: 500,
    maxStalledCount: 1,
    ...overrides,
  });
  await workers.ready();
  return workers;
}
