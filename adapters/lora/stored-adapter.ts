import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAll, type ArtifactStore } from '../../core/index.js';
import type { DecoderConfig } from '../model/model-config.js';
import { LoraAdapter } from './lora-adapter.js';
import { readPeftFolder } from './peft-folder.js';

/** The PEFT files an adapter is built from; its card and our manifest stay in the store. */
const peftFiles = ['adapter_config.json', 'adapter_model.safetensors'] as const;

/**
 * Builds the LoRA adapter whose PEFT folder is stored under `key` (a prefix ending in `/`), checked
 * against the base model's config. `create` runs the part that makes tensors, for callers that must
 * serialise tfjs work (the router's generation queue).
 */
export async function loadStoredAdapter(
  store: ArtifactStore,
  key: string,
  config: DecoderConfig,
  create: (build: () => LoraAdapter) => Promise<LoraAdapter> = async (build) => build(),
): Promise<LoraAdapter> {
  const folder = await mkdtemp(join(tmpdir(), 'lora-stored-adapter-'));
  try {
    for (const file of peftFiles) await writeFile(join(folder, file), await readAll(await store.get(`${key}${file}`)));
    const peft = await readPeftFolder(folder, config);
    return await create(() => new LoraAdapter(config, peft.settings, 0, peft.tensors));
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
