import * as tf from '@tensorflow/tfjs-core';
import { LoraError, type Logger } from '../../core/index.js';

/** A backend preference as config and `--backend` name it. */
export type BackendPreference = 'auto' | 'tensorflow' | 'wasm' | 'cpu';

/** The backend that runs, recorded in every artifact that depends on it. */
export interface ActiveBackend {
  /** tfjs's own name: `tensorflow`, `wasm` or `cpu`. */
  name: 'tensorflow' | 'wasm' | 'cpu';
  /** Which package provides it, e.g. `@tensorflow/tfjs-node-gpu`. */
  provider: string;
}

type Loader = () => Promise<string | undefined>;

async function importIfPresent(specifier: string): Promise<boolean> {
  try {
    await import(specifier);
    return true;
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return false;
    throw error;
  }
}

// The native packages are optionalDependencies that npm drops when their download fails; each
// registers the `tensorflow` backend with the shared tfjs-core when imported.
const loaders: Record<ActiveBackend['name'], Loader> = {
  tensorflow: async () => {
    for (const specifier of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
      if (await importIfPresent(specifier)) return specifier;
    }
    return undefined;
  },
  wasm: async () => {
    await import('@tensorflow/tfjs-backend-wasm');
    return '@tensorflow/tfjs-backend-wasm';
  },
  cpu: async () => {
    await import('@tensorflow/tfjs-backend-cpu');
    return '@tensorflow/tfjs-backend-cpu';
  },
};

let active: ActiveBackend | undefined;

/**
 * Chooses and initialises the tfjs backend once per process: `auto` tries tensorflow (native),
 * then wasm, then cpu. Naming a backend that cannot load fails loudly, which is what GPU images
 * want: a worker that silently trains on wasm would be a thousand times slower.
 */
export async function selectBackend(preference: BackendPreference, log?: Logger): Promise<ActiveBackend> {
  if (active !== undefined && (preference === 'auto' || preference === active.name)) return active;
  // tfjs-core alone registers no gradients, and its own registration file is not loadable as Node ESM;
  // the union package's Node bundle registers every gradient (tfjs-node imports it too). Loaded here,
  // not at module load, so that commands that never run a model do not pay for it at start-up.
  await import('@tensorflow/tfjs');
  const order: ActiveBackend['name'][] = preference === 'auto' ? ['tensorflow', 'wasm', 'cpu'] : [preference];
  const failures: string[] = [];
  for (const name of order) {
    try {
      const provider = await loaders[name]();
      if (provider === undefined) {
        failures.push(`${name}: neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node is installed`);
        continue;
      }
      if (!(await tf.setBackend(name))) {
        failures.push(`${name}: ${provider} did not initialise`);
        continue;
      }
      await tf.ready();
      active = { name, provider };
      log?.info({ backend: name, provider, tried: failures }, `tensor backend: ${name} (${provider})`);
      return active;
    } catch (error) {
      failures.push(`${name}: ${(error as Error).message}`);
    }
  }
  throw new LoraError(
    `no usable tensor backend for "${preference}":\n  ${failures.join('\n  ')}\n` +
      'Install @tensorflow/tfjs-node-gpu (CUDA) or @tensorflow/tfjs-node, or choose --backend wasm|cpu.',
    { code: 'backend-unavailable', exitCode: preference === 'auto' ? 1 : 2 },
  );
}

/** The backend chosen so far, if any. */
export function activeBackend(): ActiveBackend | undefined {
  return active;
}
