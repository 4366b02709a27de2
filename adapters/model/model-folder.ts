import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { z } from 'zod';
import { assertValidPrefix, fromZodIssues, InputError, LoraError, type ArtifactStore } from '../../core/index.js';
import { expectedTensors, parseDecoderConfig, type DecoderConfig } from './model-config.js';
import type { Float32Tensor } from './safetensors/safetensors-header.js';
import { openSafetensors, type SafetensorsFile } from './safetensors/safetensors-reader.js';

/** A Hugging Face model folder, validated against its config and loaded into memory as float32. */
export interface ModelFolder {
  config: DecoderConfig;
  rawConfig: unknown;
  weights: Map<string, Float32Tensor>;
  tokenizerJson: unknown;
  tokenizerConfig: unknown;
  generationConfig: unknown;
  /** sha256 over `sha256sum`-style lines for config.json then each weight file by name: changes when any of them does. */
  sha256: string;
  /** The files read, relative to the folder. */
  files: string[];
}

export interface LoadModelFolderOptions {
  /** Refuse a folder without `tokenizer.json` (default true); when false a missing one loads as undefined. */
  expectTokenizer?: boolean;
}

const names = {
  config: 'config.json',
  weights: 'model.safetensors',
  index: 'model.safetensors.index.json',
  tokenizer: 'tokenizer.json',
  tokenizerConfig: 'tokenizer_config.json',
  generationConfig: 'generation_config.json',
} as const;

/** The shard index Hugging Face writes beside sharded checkpoints. */
const shardIndex = z.object({
  metadata: z.record(z.string(), z.unknown()).optional(),
  weight_map: z.record(z.string(), z.string().regex(/^[^/\\]+$/, 'must be a file name in the same folder')),
});

/** Buffers the runtime recomputes itself, so a checkpoint may carry them. */
const ignoredBuffer = /(^|\.)inv_freq$/;

/** How many names an error lists before it says "and N more". */
const listed = 5;

function folderError(message: string, code = 'model-folder-invalid'): InputError {
  return new InputError(message, { code });
}

function someNames(items: readonly string[]): string {
  const shown = items.slice(0, listed).join(', ');
  return items.length > listed ? `${shown} and ${items.length - listed} more` : shown;
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/** Parses a JSON file of the folder, or undefined when it is absent. */
async function readJson(folder: string, name: string): Promise<unknown> {
  const path = join(folder, name);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(`${path} is not valid JSON (${(error as Error).message}); download it again`, { code: 'model-folder-invalid', cause: error });
  }
}

/** The weight files of the folder and, when sharded, which file the index puts each tensor in. */
async function weightFiles(folder: string): Promise<{ files: string[]; placement?: Map<string, string> }> {
  if (await isFile(join(folder, names.weights))) return { files: [names.weights] };
  const raw = await readJson(folder, names.index);
  if (raw === undefined) {
    const pytorch = (await isFile(join(folder, 'pytorch_model.bin'))) ? '; it has pytorch_model.bin, which is not read: convert it to safetensors' : '';
    throw folderError(`${folder} has neither ${names.weights} nor ${names.index}${pytorch}; download the safetensors weights of the model`);
  }
  const subject = join(folder, names.index);
  const parsed = shardIndex.safeParse(raw);
  if (!parsed.success) {
    const issues = fromZodIssues(parsed.error.issues, raw);
    throw new InputError(`${subject} is not a usable shard index:\n${issues.map((issue) => `  "${issue.path}" ${issue.message}`).join('\n')}`, {
      code: 'model-folder-invalid',
      issues,
    });
  }
  const placement = new Map(Object.entries(parsed.data.weight_map));
  const files = [...new Set(placement.values())].sort();
  for (const file of files) {
    if (!(await isFile(join(folder, file)))) {
      const count = [...placement.values()].filter((shard) => shard === file).length;
      throw folderError(`${subject} puts ${count} tensors in shard "${file}", but ${join(folder, file)} does not exist; download every shard the index names`, 'model-shard-missing');
    }
  }
  return { files, placement };
}

/** Where each tensor lives, from the headers; checks the headers agree with the shard index. */
function locateTensors(opened: SafetensorsFile[], placement: Map<string, string> | undefined, folder: string): Map<string, SafetensorsFile> {
  const owners = new Map<string, SafetensorsFile>();
  for (const file of opened) {
    for (const name of file.tensors.keys()) {
      const previous = owners.get(name);
      if (previous !== undefined) throw folderError(`tensor "${name}" is in both ${previous.path} and ${file.path}; keep one copy`, 'model-tensors-duplicate');
      owners.set(name, file);
    }
  }
  for (const [name, shard] of placement ?? []) {
    const owner = owners.get(name);
    if (owner?.path !== join(folder, shard)) {
      const found = owner === undefined ? 'no shard holds it' : `it is in ${owner.path}`;
      throw folderError(`${join(folder, names.index)} puts tensor "${name}" in ${shard}, but ${found}; download the shards and index again`, 'model-shard-inconsistent');
    }
  }
  return owners;
}

/** Compares the checkpoint with the tensors the config needs; returns the tensors to load, in expected order. */
function checkTensors(config: DecoderConfig, owners: Map<string, SafetensorsFile>, weightsName: string): Map<string, SafetensorsFile> {
  const expected = expectedTensors(config);
  const missing = [...expected.keys()].filter((name) => !owners.has(name));
  if (missing.length > 0) {
    throw folderError(
      `${weightsName} lacks ${missing.length} tensors that its config.json (${config.architecture}, ${config.numLayers} layers) requires: ${someNames(missing)}; check that the weights and config.json belong to the same model`,
      'model-tensors-missing',
    );
  }
  const tolerated = (name: string): boolean => ignoredBuffer.test(name) || (name === 'lm_head.weight' && config.tieWordEmbeddings);
  const unexpected = [...owners.keys()].filter((name) => !expected.has(name) && !tolerated(name));
  if (unexpected.length > 0) {
    throw folderError(
      `${weightsName} holds ${unexpected.length} tensors that a ${config.architecture} with this config.json does not have: ${someNames(unexpected)}; check that the weights and config.json belong to the same model`,
      'model-tensors-unexpected',
    );
  }
  const toLoad = new Map<string, SafetensorsFile>();
  for (const [name, shape] of expected) {
    const owner = owners.get(name) as SafetensorsFile;
    const found = owner.tensors.get(name)?.shape ?? [];
    if (found.length !== shape.length || found.some((size, index) => size !== shape[index])) {
      throw folderError(
        `${owner.path}: tensor "${name}" must have shape [${shape.join(', ')}] per config.json, found [${found.join(', ')}]; check that the weights and config.json belong to the same model`,
        'model-tensor-shape',
      );
    }
    toLoad.set(name, owner);
  }
  return toLoad;
}

async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path), hash);
  return hash.digest('hex');
}

/** One hash for the model: `sha256sum`-style lines of config.json and the weight files, hashed. */
async function folderSha256(folder: string, files: readonly string[]): Promise<string> {
  const lines: string[] = [];
  for (const file of files) lines.push(`${await fileSha256(join(folder, file))}  ${file}\n`);
  return createHash('sha256').update(lines.join('')).digest('hex');
}

/**
 * Loads a Hugging Face model folder from local disk: config, safetensors weights (single or sharded) as float32,
 * tokenizer files, all checked against the tensors the config needs before any weight is read.
 * @example const model = await loadModelFolder('/models/TinyLlama-1.1B');
 */
export async function loadModelFolder(folder: string, options: LoadModelFolderOptions = {}): Promise<ModelFolder> {
  const rawConfig = await readJson(folder, names.config);
  if (rawConfig === undefined) {
    throw folderError(`${folder} has no ${names.config}; point at a Hugging Face model folder (config.json, model.safetensors, tokenizer.json)`);
  }
  const config = parseDecoderConfig(rawConfig, join(folder, names.config));
  const tokenizerJson = await readJson(folder, names.tokenizer);
  if (tokenizerJson === undefined && options.expectTokenizer !== false) {
    throw folderError(`${folder} has no ${names.tokenizer}; download the model's fast tokenizer file with its weights`);
  }
  const tokenizerConfig = await readJson(folder, names.tokenizerConfig);
  const generationConfig = await readJson(folder, names.generationConfig);
  const { files: weightNames, placement } = await weightFiles(folder);
  const opened: SafetensorsFile[] = [];
  const weights = new Map<string, Float32Tensor>();
  try {
    for (const name of weightNames) opened.push(await openSafetensors(join(folder, name)));
    const owners = locateTensors(opened, placement, folder);
    const toLoad = checkTensors(config, owners, join(folder, placement === undefined ? names.weights : names.index));
    for (const [name, owner] of toLoad) {
      weights.set(name, { shape: [...(owner.tensors.get(name)?.shape ?? [])], data: await owner.read(name) });
    }
  } finally {
    await Promise.all(opened.map((file) => file.close()));
  }
  const sha256 = await folderSha256(folder, [names.config, ...weightNames]);
  const optional = [
    [names.tokenizer, tokenizerJson],
    [names.tokenizerConfig, tokenizerConfig],
    [names.generationConfig, generationConfig],
  ] as const;
  const files = [
    names.config,
    ...(placement === undefined ? [] : [names.index]),
    ...weightNames,
    ...optional.filter(([, value]) => value !== undefined).map(([name]) => name),
  ];
  return { config, rawConfig, weights, tokenizerJson, tokenizerConfig, generationConfig, sha256, files };
}

/** Copies one store object to a local path through a scratch file, so that a half-done copy is never taken as whole. */
async function download(store: ArtifactStore, key: string, size: number, target: string): Promise<void> {
  await mkdir(dirname(target), { recursive: true });
  const scratch = `${target}.${randomBytes(6).toString('hex')}.partial`;
  try {
    await pipeline(await store.get(key), createWriteStream(scratch, { flags: 'wx' }));
    const written = (await stat(scratch)).size;
    if (written !== size) {
      throw new LoraError(`downloading ${store.url}/${key} to ${target} gave ${written} bytes, expected ${size}; the object changed or the transfer broke, try again`, {
        code: 'model-download-incomplete',
        retryable: true,
      });
    }
    await rename(scratch, target);
  } catch (error) {
    await rm(scratch, { force: true });
    throw error;
  }
}

/**
 * Mirrors every object under a store prefix into `cacheDir` (at the same relative path) and returns the local folder,
 * ready for `loadModelFolder`. Files already there with the store's size are kept.
 * @example const folder = await modelFolderFromStore(store, 'models/org/name/', '/var/cache/lora')
 */
export async function modelFolderFromStore(store: ArtifactStore, prefix: string, cacheDir: string): Promise<string> {
  const folderPrefix = prefix.endsWith('/') ? prefix : `${prefix}/`;
  assertValidPrefix(folderPrefix);
  const folder = join(cacheDir, ...folderPrefix.split('/').filter((segment) => segment !== ''));
  let objects = 0;
  for await (const info of store.list(folderPrefix)) {
    objects += 1;
    const target = join(folder, ...info.key.slice(folderPrefix.length).split('/'));
    const present = await stat(target).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (present?.isFile() && present.size === info.size) continue;
    await download(store, info.key, info.size, target);
  }
  if (objects === 0) {
    throw folderError(`${store.url} has no objects under "${folderPrefix}"; upload the model folder there (config.json, model.safetensors, tokenizer.json)`);
  }
  return folder;
}
