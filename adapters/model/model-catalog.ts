import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError, UsageError, type ArtifactStore } from '../../core/index.js';
import { parameterCount, parseDecoderConfig } from './model-config.js';
import { modelFolderFromStore } from './model-folder.js';

/** One row of `lora models list`. */
export interface ModelSummary {
  name: string;
  architecture: string;
  parameters: number;
  /** Where the folder is: a path inside this package, `store:models/ORG/NAME/`, or a local path. */
  source: string;
  builtin: boolean;
}

/** A model reference resolved to a folder on local disk. */
export interface ResolvedModel {
  name: string;
  folder: string;
  source: string;
  builtin: boolean;
}

/** The repository root: the nearest folder above this file with our package.json (works from sources and from dist/). */
function packageRoot(): string {
  let folder = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(folder, 'package.json')) || !existsSync(join(folder, 'adapters'))) {
    const parent = dirname(folder);
    if (parent === folder) throw new Error('cannot find the lora package root above ' + fileURLToPath(import.meta.url));
    folder = parent;
  }
  return folder;
}

/** Built-in models by name; `builtin:tiny` is the embedded default. */
const builtinModels: Readonly<Record<string, string>> = { tiny: 'adapters/tiny-model/lora-tiny' };

/** Store prefix of a pulled hub model. */
export function storeModelPrefix(repo: string): string {
  return `models/${repo}/`;
}

const repoPattern = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Resolves what users write as a model: `builtin:tiny` (or `tiny`), `ORG/NAME` (pulled into the
 * store with `lora models pull`, cached locally for loading), or a path to a local model folder.
 */
export async function resolveModel(reference: string, options: { store: ArtifactStore; cacheDir: string }): Promise<ResolvedModel> {
  const builtinName = reference.startsWith('builtin:') ? reference.slice('builtin:'.length) : reference;
  const builtin = builtinModels[builtinName];
  if (builtin !== undefined) return { name: `builtin:${builtinName}`, folder: join(packageRoot(), builtin), source: builtin, builtin: true };
  if (reference.startsWith('builtin:')) {
    throw new UsageError(`model "${reference}" is not a built-in model; built-in models: ${Object.keys(builtinModels).map((name) => `builtin:${name}`).join(', ')}`, { code: 'model-unknown' });
  }
  const isPath = reference.startsWith('.') || reference.startsWith('/') || reference.startsWith('~');
  if (!isPath && repoPattern.test(reference)) {
    const prefix = storeModelPrefix(reference);
    if ((await options.store.head(`${prefix}config.json`)) === undefined) {
      throw new UsageError(`model "${reference}" is not in the store (${options.store.url}); run \`lora models pull ${reference}\` first`, { code: 'model-unknown' });
    }
    return { name: reference, folder: await modelFolderFromStore(options.store, prefix, options.cacheDir), source: `store:${prefix}`, builtin: false };
  }
  const folder = resolve(reference);
  const info = await stat(folder).catch(() => undefined);
  if (info === undefined || !info.isDirectory()) {
    throw new UsageError(`model "${reference}" is neither a built-in model (builtin:tiny), a pulled ORG/NAME, nor a local model folder`, { code: 'model-unknown' });
  }
  return { name: reference, folder, source: folder, builtin: false };
}

/** Every model a user can name: the built-in ones and those pulled into the store. */
export async function listModels(store: ArtifactStore, readLocalConfig: (folder: string) => Promise<unknown>): Promise<ModelSummary[]> {
  const models: ModelSummary[] = [];
  for (const [name, folder] of Object.entries(builtinModels)) {
    const config = parseDecoderConfig(await readLocalConfig(join(packageRoot(), folder)), `${folder}/config.json`);
    models.push({ name: `builtin:${name}`, architecture: config.architecture, parameters: parameterCount(config), source: folder, builtin: true });
  }
  for await (const object of store.list('models/')) {
    const match = /^models\/([^/]+\/[^/]+)\/config\.json$/.exec(object.key);
    if (match === null) continue;
    const repo = match[1] as string;
    try {
      const config = parseDecoderConfig(await store.readJson(object.key), object.key);
      models.push({ name: repo, architecture: config.architecture, parameters: parameterCount(config), source: `store:${storeModelPrefix(repo)}`, builtin: false });
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      models.push({ name: repo, architecture: 'unsupported', parameters: 0, source: `store:${storeModelPrefix(repo)}`, builtin: false });
    }
  }
  return models;
}
