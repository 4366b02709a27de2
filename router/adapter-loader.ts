import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LoraError, readAll, type ArtifactStore } from '../core/index.js';
import { LoraAdapter, readPeftFolder, type AdapterRegistry, type LanguageModel } from '../adapters/index.js';

/** The PEFT files an adapter needs; the card and our manifest stay in the store. */
const peftFiles = ['adapter_config.json', 'adapter_model.safetensors'] as const;

/** What loading an adapter version needs: where versions are recorded and stored, and the model they run on. */
export interface AdapterLoaderOptions {
  registry: AdapterRegistry;
  store: ArtifactStore;
  model: LanguageModel;
  /**
   * Runs the part that creates tensors; the router passes its generation queue, because tfjs on one backend is not
   * safe to use from two async tasks at once.
   */
  exclusive?: <R>(task: () => R | Promise<R>) => Promise<R>;
}

/**
 * Returns a loader of `NAME@vN` onto the shared base model: it reads the version record, fetches the PEFT folder
 * from the store, checks it against the base and builds the adapter. A version trained on another base is refused.
 */
export function createAdapterLoader(options: AdapterLoaderOptions): (name: string, version: number) => Promise<LoraAdapter> {
  const exclusive = options.exclusive ?? (async (task) => task());
  return async (name, version) => {
    const record = await options.registry.show(`${name}@v${version}`);
    const base = options.model.identity.name;
    if (record.baseModel.name !== base) {
      throw new LoraError(`adapter ${name}@v${version} was trained on ${record.baseModel.name}, but this router serves ${base}; start a router with --base ${record.baseModel.name} for it`, {
        code: 'adapter-base-mismatch',
      });
    }
    const folder = await mkdtemp(join(tmpdir(), 'lora-router-adapter-'));
    try {
      for (const file of peftFiles) await writeFile(join(folder, file), await readAll(await options.store.get(`${record.artifact.key}${file}`)));
      const peft = await readPeftFolder(folder, options.model.config);
      return await exclusive(() => new LoraAdapter(options.model.config, peft.settings, 0, peft.tensors));
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  };
}
