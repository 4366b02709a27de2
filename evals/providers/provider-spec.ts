import { z } from 'zod';
import { ConfigError, UsageError } from '../../core/index.js';

/** Baseline kinds lora knows without configuration; config cannot name a provider after one. */
const builtInKinds = ['openai', 'recorded', 'router'] as const;

/** One named OpenAI-compatible provider in config: `providers: { openrouter: { baseUrl, apiKeyEnv, model? } }`. */
export const providerConfigEntry = z
  .object({
    baseUrl: z.url({ protocol: /^https?$/ }),
    /** The environment variable holding its key; omitted for endpoints that need none. */
    apiKeyEnv: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).optional(),
    /** The model `NAME` alone means; `NAME:MODEL` overrides it. */
    model: z.string().min(1).optional(),
  })
  .strict();

/** The `providers` section of config, keyed by the name baselines use. */
export const providersConfig = z.record(
  z
    .string()
    .regex(/^[a-z][a-z0-9-]*$/, 'must be lowercase letters, digits and "-"')
    .refine((name) => !(builtInKinds as readonly string[]).includes(name), { message: `must not be one of ${builtInKinds.join(', ')}, which lora defines itself` }),
  providerConfigEntry,
);

/** Named providers from config. */
export type ProvidersConfig = z.infer<typeof providersConfig>;

/** What a `--baseline` string names; `createBaselineProvider` turns it into a provider. */
export type BaselineSpec =
  | { kind: 'openai'; model: string }
  | { kind: 'recorded'; model: 'recorded' }
  | { kind: 'router'; model: string; baseUrl: string; apiKeyEnv?: string }
  | { kind: 'named'; provider: string; model: string; baseUrl: string; apiKeyEnv?: string };

/** Where the non-OpenAI baselines point. */
export interface BaselineSpecOptions {
  providers?: ProvidersConfig;
  /** lora's router, for `router:NAME`. */
  router?: { baseUrl: string; apiKeyEnv?: string };
}

/** The forms a baseline may take, for error messages. */
function formsHelp(providers: ProvidersConfig): string {
  const named = Object.keys(providers);
  const namedForm = named.length === 0 ? 'NAME:MODEL for a provider configured under "providers" (none is configured)' : `NAME[:MODEL] for a configured provider (${named.join(', ')})`;
  return `openai:MODEL, recorded, router:NAME, or ${namedForm}`;
}

/**
 * Reads a `--baseline` string: `openai:MODEL` (OpenAI or `OPENAI_BASE_URL`), `recorded` (answers stored in the dataset),
 * `router:NAME` (an adapter behind lora's router), or `NAME:MODEL` for a provider in config. Only the first ":" splits,
 * so models such as `llama3.1:8b` pass whole.
 * @example parseBaselineSpec('openrouter:anthropic/claude-sonnet-4', { providers }) // { kind: 'named', provider: 'openrouter', ... }
 */
export function parseBaselineSpec(text: string, options: BaselineSpecOptions = {}): BaselineSpec {
  const providers = options.providers ?? {};
  const spec = text.trim();
  const colon = spec.indexOf(':');
  const kind = colon === -1 ? spec : spec.slice(0, colon);
  const model = colon === -1 ? undefined : spec.slice(colon + 1).trim();
  const needsModel = (form: string) => new UsageError(`baseline ${JSON.stringify(text)} names no model; write ${form}`, { code: 'baseline-invalid' });

  if (kind === 'recorded') {
    if (model !== undefined) throw new UsageError(`baseline ${JSON.stringify(text)}: "recorded" takes no model; write recorded`, { code: 'baseline-invalid' });
    return { kind: 'recorded', model: 'recorded' };
  }
  if (kind === 'openai') {
    if (!model) throw needsModel('openai:MODEL, such as openai:gpt-5.2');
    return { kind: 'openai', model };
  }
  if (kind === 'router') {
    if (!model) throw needsModel('router:NAME, naming an adapter the router serves');
    if (!options.router) throw new ConfigError(`baseline ${JSON.stringify(text)} needs the base URL of lora's router, and none is configured`);
    return { kind: 'router', model, baseUrl: options.router.baseUrl, ...(options.router.apiKeyEnv ? { apiKeyEnv: options.router.apiKeyEnv } : {}) };
  }
  const provider = Object.hasOwn(providers, kind) ? providers[kind] : undefined;
  if (provider !== undefined) {
    const chosen = model || provider.model;
    if (!chosen) throw needsModel(`${kind}:MODEL, or set providers.${kind}.model in config`);
    return { kind: 'named', provider: kind, model: chosen, baseUrl: provider.baseUrl, ...(provider.apiKeyEnv ? { apiKeyEnv: provider.apiKeyEnv } : {}) };
  }
  throw new UsageError(`baseline ${JSON.stringify(text)} is not one lora knows; use ${formsHelp(providers)}`, { code: 'baseline-invalid' });
}
