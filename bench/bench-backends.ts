// What the model and train benchmarks share: the backends to measure, and the built-in tiny model on each.
import type { Logger } from 'pino';
import { FileStore } from '../core/index.js';
import { LanguageModel, resolveModel, selectBackend, type BackendPreference } from '../adapters/index.js';

/** Selects each backend of a `--backends` list in turn (tensorflow, wasm, cpu by default) and yields it; one not available here is reported and skipped. */
export async function* selectedBackends(list: string | undefined, log: Logger): AsyncGenerator<BackendPreference> {
  for (const backend of (list ?? 'tensorflow,wasm,cpu').split(',') as BackendPreference[]) {
    try {
      await selectBackend(backend, log);
    } catch {
      process.stdout.write(`backend ${backend}: not available here, skipped\n`);
      continue;
    }
    yield backend;
  }
}

/** The built-in tiny model, loaded on `backend`. */
export async function loadTinyModel(backend: BackendPreference, log: Logger): Promise<LanguageModel> {
  const tiny = await resolveModel('builtin:tiny', { store: new FileStore('.lora'), cacheDir: '.lora/cache/models' });
  return LanguageModel.load(tiny.folder, { name: tiny.name, backend, log });
}
