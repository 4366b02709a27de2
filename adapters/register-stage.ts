import type { StageContext, StageDefinition } from '../core/index.js';
import type { AdapterRegistry } from './registry/adapter-registry.js';
import { promotionPolicy, registerResult, type PromotionPolicy, type RegisterResult } from './register-contracts.js';

/** What registration reads of the eval stage's result; declared here so that adapters/ does not import evals/. */
export interface EvalOutcome {
  verdict: string;
  reason: string;
  gatePassed?: boolean;
  adapter?: string | null;
  reportId?: string | null;
  baseline?: string;
}

/**
 * The register stage: the train stage already made the adapter a `candidate` version; this stage
 * records the eval verdict on that version and, with `policy: auto`, promotes it to production
 * when its gate passed. Without a registry or an evaluated version it says why nothing happened.
 */
async function register(input: { runId: string; params: PromotionPolicy; previous: EvalOutcome }, context: StageContext, registry: AdapterRegistry | undefined): Promise<RegisterResult> {
  const { params, previous } = input;
  const base = { schemaVersion: 1 as const, adapterName: params.adapterName, verdict: previous.verdict };
  if (registry === undefined || !previous.adapter || !previous.reportId) {
    const reason = previous.adapter ? 'not registered: no registry is configured for this worker' : `not registered: ${previous.reason}`;
    await context.progress({ fraction: 1, message: 'nothing registered' });
    return { ...base, registered: false, version: null, promoted: false, reason };
  }
  await registry.recordEval(previous.adapter, { reportId: previous.reportId, verdict: previous.verdict, gatePassed: previous.gatePassed === true, baseline: previous.baseline ?? 'unknown' });
  let promoted = false;
  let reason: string;
  if (params.policy === 'auto' && previous.gatePassed === true) {
    const { from } = await registry.promote(previous.adapter, 'production', { reason: `automatic promotion: ${previous.reason}`, actor: `pipeline run ${input.runId}` });
    promoted = true;
    reason = `${previous.adapter} promoted to production${from === null ? '' : ` (was v${from})`}: ${previous.reason}`;
  } else if (params.policy === 'auto') {
    reason = `${previous.adapter} stays candidate: ${previous.reason}`;
  } else {
    reason = `${previous.adapter} is a candidate (${previous.verdict}); promote it with \`lora adapters promote ${previous.adapter} --to production\``;
  }
  context.log.info({ adapter: previous.adapter, promoted, verdict: previous.verdict }, reason);
  await context.progress({ fraction: 1, message: promoted ? `${previous.adapter} in production` : `${previous.adapter} candidate` });
  return { ...base, registered: true, version: previous.adapter, promoted, reason };
}

/** The `register` stage with the registry it records in. */
export function createRegisterStage(options: { registry?: AdapterRegistry }): StageDefinition<PromotionPolicy, EvalOutcome, RegisterResult> {
  return { name: 'register', params: promotionPolicy, result: registerResult, process: (input, context) => register(input, context, options.registry) };
}

/** The `register` stage without a registry: it records why nothing was registered. */
export const registerStage = createRegisterStage({});
