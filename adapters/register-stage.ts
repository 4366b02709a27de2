import type { StageContext, StageDefinition } from '../core/index.js';
import { promotionPolicy, registerResult, type PromotionPolicy, type RegisterResult } from './register-contracts.js';

/** What registration reads of the eval stage's result; declared here so that adapters/ does not import evals/. */
export interface EvalOutcome {
  verdict: string;
  reason: string;
}

/**
 * The register stage, first version: an adapter is registered only when one was trained and
 * evaluated; until then it records why nothing was registered. The registry comes with its issue.
 */
async function register(input: { runId: string; params: PromotionPolicy; previous: EvalOutcome }, context: StageContext): Promise<RegisterResult> {
  const { params, previous } = input;
  const reason = previous.verdict === 'NOT_EVALUATED' ? 'not registered: the eval verdict is NOT_EVALUATED' : 'not registered: the adapter registry is not built yet';
  context.log.info({ adapterName: params.adapterName, verdict: previous.verdict }, reason);
  await context.progress({ fraction: 1, message: 'nothing registered' });
  return { schemaVersion: 1, registered: false, adapterName: params.adapterName, version: null, promoted: false, reason, verdict: previous.verdict };
}

/** The `register` stage. */
export const registerStage: StageDefinition<PromotionPolicy, EvalOutcome, RegisterResult> = {
  name: 'register',
  params: promotionPolicy,
  result: registerResult,
  process: register,
};
