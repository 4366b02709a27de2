import { z } from 'zod';
import { describeValue, fromZodIssues, InputError, type ValidationIssue } from '../../core/index.js';
import { linearModuleNames } from '../model/model-config.js';
import { loraSettings, type LoraSettings } from './lora-contracts.js';

// PEFT's own file format: no `schemaVersion` is added, because PEFT (before 0.11) refuses keys it does not know.

/** The `adapter_config.json` this runtime writes: a plain PEFT LoRA config for a causal LM. */
export const peftAdapterConfig = z
  .object({
    peft_type: z.literal('LORA'),
    task_type: z.literal('CAUSAL_LM'),
    base_model_name_or_path: z.string().nullable(),
    revision: z.null(),
    inference_mode: z.literal(true),
    r: z.number().int().positive(),
    lora_alpha: z.number().positive(),
    lora_dropout: z.number().min(0),
    target_modules: z.union([z.literal('all-linear'), z.array(z.enum(linearModuleNames))]),
    bias: z.literal('none'),
    use_rslora: z.boolean(),
    use_dora: z.literal(false),
    fan_in_fan_out: z.literal(false),
    init_lora_weights: z.literal(true),
    modules_to_save: z.null(),
    layers_to_transform: z.null(),
    layers_pattern: z.null(),
    rank_pattern: z.object({}).strict(),
    alpha_pattern: z.object({}).strict(),
  })
  .strict();

export type PeftAdapterConfig = z.infer<typeof peftAdapterConfig>;

/** The keys of another tool's config that this reader interprets; every other key is ignored and reported. */
const peftConfigInput = z.object({
  peft_type: z.string(),
  task_type: z.string().nullish(),
  base_model_name_or_path: z.string().nullish(),
  revision: z.string().nullish(),
  inference_mode: z.boolean().optional(),
  peft_version: z.string().nullish(),
  // PEFT's defaults, for configs that leave a field out.
  r: z.number().int().positive().default(8),
  lora_alpha: z.number().positive().default(8),
  lora_dropout: z.number().min(0).default(0),
  use_rslora: z.boolean().default(false),
  target_modules: z.union([z.string(), z.array(z.string())]),
  init_lora_weights: z.union([z.boolean(), z.string()]).default(true),
  bias: z.unknown().optional(),
  use_dora: z.unknown().optional(),
  fan_in_fan_out: z.unknown().optional(),
  rank_pattern: z.unknown().optional(),
  alpha_pattern: z.unknown().optional(),
  modules_to_save: z.unknown().optional(),
  layers_to_transform: z.unknown().optional(),
  layers_pattern: z.unknown().optional(),
  lora_bias: z.unknown().optional(),
  layer_replication: z.unknown().optional(),
  exclude_modules: z.unknown().optional(),
  target_parameters: z.unknown().optional(),
  trainable_token_indices: z.unknown().optional(),
  use_qalora: z.unknown().optional(),
  alora_invocation_tokens: z.unknown().optional(),
  arrow_config: z.unknown().optional(),
});

/** A PEFT config read from disk, turned into this runtime's settings. */
export interface ParsedPeftConfig {
  settings: LoraSettings;
  baseModelName: string | null;
  /** Keys the reader does not know and ignored, sorted (e.g. `megatron_config`, `loftq_config`). */
  ignoredKeys: string[];
}

const isUnset = (value: unknown): boolean =>
  value === undefined || value === null || value === false || value === '' || (Array.isArray(value) && value.length === 0);
const isEmptyObject = (value: unknown): boolean =>
  value === undefined || value === null || (typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0);

/** PEFT features that change what the weights mean; a config that turns one on is refused rather than misread. */
const unsupportedFeatures: { key: string; feature: string; isDefault: (value: unknown) => boolean }[] = [
  { key: 'use_dora', feature: 'DoRA (weight-decomposed LoRA)', isDefault: isUnset },
  { key: 'rank_pattern', feature: 'per-module ranks', isDefault: isEmptyObject },
  { key: 'alpha_pattern', feature: 'per-module alphas', isDefault: isEmptyObject },
  { key: 'modules_to_save', feature: 'fully trained extra modules', isDefault: isUnset },
  { key: 'layers_to_transform', feature: 'adapting only some layers', isDefault: isUnset },
  { key: 'layers_pattern', feature: 'adapting only some layers', isDefault: isUnset },
  { key: 'fan_in_fan_out', feature: 'transposed (Conv1D) base weights', isDefault: isUnset },
  { key: 'bias', feature: 'trained base biases', isDefault: (value) => value === undefined || value === 'none' },
  { key: 'lora_bias', feature: 'a bias on lora_B', isDefault: isUnset },
  { key: 'layer_replication', feature: 'layer replication', isDefault: isUnset },
  { key: 'exclude_modules', feature: 'excluded modules', isDefault: isUnset },
  { key: 'target_parameters', feature: 'LoRA on raw parameters', isDefault: isUnset },
  { key: 'trainable_token_indices', feature: 'trainable token embeddings', isDefault: isUnset },
  { key: 'use_qalora', feature: 'QA-LoRA', isDefault: isUnset },
  { key: 'alora_invocation_tokens', feature: 'activated LoRA', isDefault: isUnset },
  { key: 'arrow_config', feature: 'Arrow routing', isDefault: isUnset },
];

/** Initialisations after which the adapter is plain LoRA on the unchanged base; PiSSA, OLoRA, CorDA and LoftQ rewrite the base weights. */
const plainInitialisations: ReadonlySet<unknown> = new Set([true, false, 'gaussian', 'orthogonal', 'eva']);

const linearNames: ReadonlySet<string> = new Set(linearModuleNames);

function featureIssues(config: z.infer<typeof peftConfigInput>): ValidationIssue[] {
  const issues: ValidationIssue[] = [];
  const refuse = (path: string, message: string): void => {
    issues.push({ path, code: 'peft-unsupported', message });
  };
  if (config.peft_type !== 'LORA') refuse('peft_type', `must be "LORA", got ${describeValue(config.peft_type)}; only LoRA adapters can be read`);
  if (config.task_type !== undefined && config.task_type !== null && config.task_type !== 'CAUSAL_LM') {
    refuse('task_type', `must be "CAUSAL_LM", got ${describeValue(config.task_type)}; only causal language model adapters can be read`);
  }
  for (const { key, feature, isDefault } of unsupportedFeatures) {
    const value = (config as Record<string, unknown>)[key];
    if (!isDefault(value)) refuse(key, `is ${describeValue(value)}, asking for ${feature}, which this runtime does not support; export the adapter without it`);
  }
  if (!plainInitialisations.has(config.init_lora_weights)) {
    refuse(
      'init_lora_weights',
      `is ${describeValue(config.init_lora_weights)}, an initialisation that changes the base weights; convert the adapter to plain LoRA (PEFT's path_initial_model_for_weight_conversion) first`,
    );
  }
  issues.push(...targetIssues(config.target_modules));
  return issues;
}

function targetIssues(targets: string | string[]): ValidationIssue[] {
  const issue = (message: string): ValidationIssue => ({ path: 'target_modules', code: 'peft-unsupported', message });
  const expected = `name Llama linear modules (${linearModuleNames.join(', ')}) or "all-linear"`;
  if (typeof targets === 'string') {
    return targets === 'all-linear' ? [] : [issue(`is the pattern ${describeValue(targets)}; patterns are not supported, ${expected}`)];
  }
  if (targets.length === 0) return [issue(`is empty; ${expected}`)];
  return targets
    .filter((target) => !linearNames.has(target))
    .map((target) => {
      const tail = target.split('.').at(-1) ?? target;
      if (target.includes('.') && linearNames.has(tail)) {
        return issue(`names the module path "${target}"; paths are not supported (every layer is adapted), name the module "${tail}" instead`);
      }
      return issue(`names "${target}", which is not a linear module of a Llama decoder layer; ${expected}`);
    });
}

/**
 * Validates another tool's `adapter_config.json`: unknown keys are ignored and listed, features this runtime
 * cannot apply exactly are refused by name (code `peft-unsupported`). `subject` names the file in messages.
 * @example const { settings, ignoredKeys } = parsePeftAdapterConfig(JSON.parse(text), 'adapter/adapter_config.json')
 */
export function parsePeftAdapterConfig(raw: unknown, subject = 'adapter_config.json'): ParsedPeftConfig {
  const parsed = peftConfigInput.safeParse(raw);
  if (!parsed.success) {
    const issues = fromZodIssues(parsed.error.issues, raw);
    throw new InputError(`${subject} is not a usable PEFT config:\n${issues.map((issue) => `  "${issue.path}" ${issue.message}`).join('\n')}`, {
      code: 'peft-config-invalid',
      issues,
    });
  }
  const config = parsed.data;
  const refused = featureIssues(config);
  if (refused.length > 0) {
    const lines = refused.map((issue) => `  "${issue.path}" ${issue.message}`).join('\n');
    throw new InputError(`${subject} uses PEFT features this runtime does not support:\n${lines}`, { code: 'peft-unsupported', issues: refused });
  }
  const candidate = {
    r: config.r,
    lora_alpha: config.lora_alpha,
    lora_dropout: config.lora_dropout,
    target_modules: config.target_modules,
    use_rslora: config.use_rslora,
    bias: 'none',
  };
  const settings = loraSettings.safeParse(candidate);
  if (!settings.success) {
    const issues = fromZodIssues(settings.error.issues, candidate);
    throw new InputError(`${subject} has LoRA settings out of range:\n${issues.map((issue) => `  "${issue.path}" ${issue.message}`).join('\n')}`, {
      code: 'peft-config-invalid',
      issues,
    });
  }
  const known = new Set(Object.keys(peftConfigInput.shape));
  const ignoredKeys = Object.keys(raw as Record<string, unknown>)
    .filter((key) => !known.has(key))
    .sort();
  return { settings: settings.data, baseModelName: config.base_model_name_or_path ?? null, ignoredKeys };
}

/** The PEFT config for settings trained here, `target_modules` kept as given ("all-linear" stays a string). */
export function toPeftAdapterConfig(settings: LoraSettings, baseModelName: string | null): PeftAdapterConfig {
  return {
    peft_type: 'LORA',
    task_type: 'CAUSAL_LM',
    base_model_name_or_path: baseModelName,
    revision: null,
    inference_mode: true,
    r: settings.r,
    lora_alpha: settings.lora_alpha,
    lora_dropout: settings.lora_dropout,
    target_modules: settings.target_modules === 'all-linear' ? 'all-linear' : [...settings.target_modules],
    bias: 'none',
    use_rslora: settings.use_rslora,
    use_dora: false,
    fan_in_fan_out: false,
    init_lora_weights: true,
    modules_to_save: null,
    layers_to_transform: null,
    layers_pattern: null,
    rank_pattern: {},
    alpha_pattern: {},
  };
}

/** The config as PEFT itself writes it: keys sorted, two-space indent, trailing newline. */
export function formatPeftAdapterConfig(config: PeftAdapterConfig): string {
  const sorted = Object.fromEntries(Object.entries(config).sort(([left], [right]) => (left < right ? -1 : left > right ? 1 : 0)));
  return `${JSON.stringify(sorted, null, 2)}\n`;
}
