import { UsageError } from '../../core/index.js';
import { createBaselineProvider, parseBaselineSpec, type BaselineProviderDependencies, type BaselineSpecOptions, type ChatProvider } from '../providers/index.js';

/**
 * The judge model a rubric names, as a baseline would be built: `openai:MODEL`, `router:NAME` or a configured
 * `NAME:MODEL`. Pass a response cache in `dependencies` so that judge calls are cached like baseline calls.
 * @example createJudgeProvider('openai:gpt-5.2', { cache: new ResponseCache(store) })
 */
export function createJudgeProvider(spec: string, dependencies: BaselineProviderDependencies = {}, specOptions: BaselineSpecOptions = {}): ChatProvider {
  const parsed = parseBaselineSpec(spec, specOptions);
  if (parsed.kind === 'recorded') throw new UsageError(`judge ${JSON.stringify(spec)}: recorded answers cannot judge; name a live model such as openai:gpt-5.2`, { code: 'judge-invalid' });
  return createBaselineProvider(parsed, dependencies);
}
