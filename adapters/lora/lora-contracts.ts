import { z } from 'zod';
import { linearModuleNames } from '../model/model-config.js';

/** PEFT's LoRA options, with PEFT's names, as stored in `adapter_config.json`. */
export const loraSettings = z
  .object({
    r: z.number().int().min(1).max(1024),
    lora_alpha: z.number().positive(),
    lora_dropout: z.number().min(0).max(0.9).default(0),
    target_modules: z.union([z.literal('all-linear'), z.array(z.enum(linearModuleNames)).min(1)]),
    use_rslora: z.boolean().default(false),
    bias: z.literal('none').default('none'),
  })
  .strict();

export type LoraSettings = z.infer<typeof loraSettings>;

/** The modules a setting targets, with `all-linear` expanded (PEFT leaves the output head out). */
export function targetModules(settings: Pick<LoraSettings, 'target_modules'>): (typeof linearModuleNames)[number][] {
  return settings.target_modules === 'all-linear' ? [...linearModuleNames] : [...new Set(settings.target_modules)];
}

/** PEFT's scaling: alpha / r, or alpha / sqrt(r) with rsLoRA. */
export function loraScale(settings: Pick<LoraSettings, 'r' | 'lora_alpha' | 'use_rslora'>): number {
  return settings.use_rslora ? settings.lora_alpha / Math.sqrt(settings.r) : settings.lora_alpha / settings.r;
}
