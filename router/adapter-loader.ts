import { LoraError, type ArtifactStore } from '../core/index.js';
import { loadStoredAdapter, type AdapterRegistry, type LanguageModel, type LoraAdapter } from '../adapters/index.js';

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
    return loadStoredAdapter(options.store, record.artifact.key, options.model.config, (build) => exclusive(build));
  };
}
