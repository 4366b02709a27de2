import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from '../../core/index.js';
import { linearModulePath, type HostTensor } from '../model/decoder-parameters.js';
import { expectedTensors, type DecoderConfig } from '../model/model-config.js';
import { openSafetensors } from '../model/safetensors/safetensors-reader.js';
import { writeSafetensors } from '../model/safetensors/safetensors-writer.js';
import { LoraAdapter } from './lora-adapter.js';
import { loraScale, targetModules, type LoraSettings } from './lora-contracts.js';
import { formatPeftAdapterConfig, parsePeftAdapterConfig, toPeftAdapterConfig } from './peft-format.js';

/** File names of a PEFT adapter folder. */
export const peftFileNames = { config: 'adapter_config.json', weights: 'adapter_model.safetensors', card: 'README.md' } as const;

/** What the model card says beyond the settings. */
export interface PeftModelCard {
  title: string;
  datasetVersion?: string;
  metrics?: Record<string, number | string>;
  description?: string;
}

/** An adapter to write: a live one, or its exported tensors with the settings and the base config they belong to. */
export type PeftAdapterSource = LoraAdapter | { tensors: ReadonlyMap<string, HostTensor>; settings: LoraSettings; config: DecoderConfig };

export interface WritePeftFolderOptions {
  adapter: PeftAdapterSource;
  baseModelName: string;
  card: PeftModelCard;
  /** Replace a non-empty folder at `dir` (default false: refuse). */
  replace?: boolean;
}

/** A PEFT adapter folder read from disk and checked against its base model. */
export interface PeftFolder {
  settings: LoraSettings;
  /** Under PEFT's names without an adapter name, A `[r, in]` and B `[out, r]`, as float32. */
  tensors: Map<string, HostTensor>;
  ignoredKeys: string[];
  baseModelName: string | null;
}

/** How many names an error lists before it says "and N more". */
const listed = 5;

function someNames(items: readonly string[]): string {
  const shown = items.slice(0, listed).join(', ');
  return items.length > listed ? `${shown} and ${items.length - listed} more` : shown;
}

/** Every tensor an adapter with these settings has on this base, by PEFT name, with its shape. */
export function expectedAdapterTensors(config: DecoderConfig, settings: Pick<LoraSettings, 'r' | 'target_modules'>): Map<string, number[]> {
  const baseShapes = expectedTensors(config);
  const tensors = new Map<string, number[]>();
  for (let layer = 0; layer < config.numLayers; layer += 1) {
    for (const module of targetModules(settings)) {
      const path = linearModulePath(layer, module);
      const [outFeatures, inFeatures] = baseShapes.get(`${path}.weight`) as [number, number];
      tensors.set(`base_model.model.${path}.lora_A.weight`, [settings.r, inFeatures]);
      tensors.set(`base_model.model.${path}.lora_B.weight`, [outFeatures, settings.r]);
    }
  }
  return tensors;
}

/** PEFT keeps the adapter name out of saved keys, but files saved from a raw state dict carry `.default.`. */
export function normalisePeftTensorName(name: string): string {
  return name.replace(/\.(lora_[AB])\.default\.weight$/, '.$1.weight');
}

const sameShape = (left: readonly number[], right: readonly number[]): boolean => left.length === right.length && left.every((size, index) => size === right[index]);

/**
 * Checks adapter tensor shapes (already normalised names) against the base: every expected key present
 * (`peft-tensors-missing`), none extra (`peft-tensors-unexpected`), A `[r, in]` and B `[out, r]` (`peft-tensor-shape`).
 */
export function checkAdapterTensors(found: ReadonlyMap<string, readonly number[]>, config: DecoderConfig, settings: LoraSettings, subject: string): void {
  const expected = expectedAdapterTensors(config, settings);
  const modules = targetModules(settings).join(', ');
  const missing = [...expected.keys()].filter((name) => !found.has(name));
  if (missing.length > 0) {
    throw new InputError(
      `${subject} lacks ${missing.length} of the ${expected.size} tensors that r=${settings.r} on ${modules} across ${config.numLayers} layers needs: ${someNames(missing)}; check that the adapter was trained on this base model`,
      { code: 'peft-tensors-missing' },
    );
  }
  const unexpected = [...found.keys()].filter((name) => !expected.has(name));
  if (unexpected.length > 0) {
    throw new InputError(
      `${subject} holds ${unexpected.length} tensors that LoRA on ${modules} does not have: ${someNames(unexpected)}; check target_modules in adapter_config.json`,
      { code: 'peft-tensors-unexpected' },
    );
  }
  for (const [name, shape] of expected) {
    const actual = found.get(name) as readonly number[];
    if (sameShape(actual, shape)) continue;
    const isA = name.endsWith('.lora_A.weight');
    const rank = isA ? actual[0] : actual[1];
    const hint =
      actual.length === 2 && rank !== settings.r && sameShape(isA ? actual.slice(1) : actual.slice(0, 1), isA ? shape.slice(1) : shape.slice(0, 1))
        ? `its rank is ${rank} but adapter_config.json says r = ${settings.r}`
        : 'check that the adapter was trained on this base model';
    throw new InputError(`${subject}: tensor "${name}" must have shape [${shape.join(', ')}], found [${actual.join(', ')}]; ${hint}`, {
      code: 'peft-tensor-shape',
    });
  }
}

async function isNonEmptyFolder(path: string): Promise<boolean> {
  try {
    if (!(await stat(path)).isDirectory()) return true;
    return (await readdir(path)).length > 0;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}

/**
 * Fills a scratch folder beside `dir` and renames it into place, so that readers see the whole folder or none.
 * A non-empty `dir` is refused (code `folder-exists`) unless `replace`.
 */
export async function writeFolderAtomically(dir: string, fill: (scratch: string) => Promise<void>, replace = false): Promise<void> {
  const target = resolve(dir);
  const exists = await isNonEmptyFolder(target);
  if (exists && !replace) {
    throw new InputError(`${dir} already exists and is not empty; choose a new folder or remove it first`, { code: 'folder-exists' });
  }
  const suffix = randomBytes(6).toString('hex');
  const scratch = join(dirname(target), `.${basename(target)}.${suffix}.partial`);
  await mkdir(scratch, { recursive: true });
  try {
    await fill(scratch);
    if (exists) {
      const aside = join(dirname(target), `.${basename(target)}.${suffix}.old`);
      await rename(target, aside);
      await rename(scratch, target);
      await rm(aside, { recursive: true, force: true });
    } else {
      await rename(scratch, target);
    }
  } catch (error) {
    await rm(scratch, { recursive: true, force: true });
    throw error;
  }
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(6)));
}

/** A short Hugging Face model card: front matter, settings, data, metrics, and how to load the adapter. */
export function peftModelCard(settings: LoraSettings, baseModelName: string, card: PeftModelCard, folderName: string): string {
  const targets = settings.target_modules === 'all-linear' ? 'all-linear' : settings.target_modules.join(', ');
  const scaleRule = settings.use_rslora ? 'lora_alpha / √r (rsLoRA)' : 'lora_alpha / r';
  const lines = [
    '---',
    `base_model: ${JSON.stringify(baseModelName)}`,
    'library_name: peft',
    'tags:',
    '- lora',
    '- peft',
    '---',
    '',
    `# ${card.title}`,
    '',
    `A LoRA adapter for \`${baseModelName}\`, in PEFT's format (\`${peftFileNames.config}\`, \`${peftFileNames.weights}\`).`,
    ...(card.description === undefined ? [] : ['', card.description]),
    '',
    '## LoRA settings',
    '',
    '| setting | value |',
    '| --- | --- |',
    `| r | ${settings.r} |`,
    `| lora_alpha | ${formatNumber(settings.lora_alpha)} |`,
    `| scale | ${formatNumber(loraScale(settings))} (${scaleRule}) |`,
    `| lora_dropout | ${formatNumber(settings.lora_dropout)} |`,
    `| target_modules | ${targets} |`,
    `| use_rslora | ${settings.use_rslora} |`,
  ];
  if (card.datasetVersion !== undefined) lines.push('', '## Training data', '', `Dataset version: \`${card.datasetVersion}\``);
  const metrics = Object.entries(card.metrics ?? {});
  if (metrics.length > 0) {
    lines.push('', '## Metrics', '', '| metric | value |', '| --- | --- |');
    for (const [name, value] of metrics) lines.push(`| ${name} | ${typeof value === 'number' ? formatNumber(value) : value} |`);
  }
  const adapterName = folderName.replace(/[^A-Za-z0-9_-]+/g, '-') || 'adapter';
  lines.push(
    '',
    '## Use',
    '',
    'With PEFT, from the folder that holds these files:',
    '',
    '```python',
    'from transformers import AutoModelForCausalLM',
    'from peft import PeftModel',
    '',
    `base = AutoModelForCausalLM.from_pretrained(${JSON.stringify(baseModelName)})`,
    `model = PeftModel.from_pretrained(base, ${JSON.stringify(folderName)})`,
    '```',
    '',
    'With vLLM, served beside the base model:',
    '',
    '```sh',
    `vllm serve ${baseModelName} --enable-lora --lora-modules ${adapterName}=${folderName}${settings.r > 16 ? ` --max-lora-rank ${settings.r}` : ''}`,
    '```',
    '',
  );
  return lines.join('\n');
}

async function adapterContents(source: PeftAdapterSource): Promise<{ tensors: ReadonlyMap<string, HostTensor>; settings: LoraSettings; config: DecoderConfig }> {
  if (source instanceof LoraAdapter) return { tensors: await source.exportTensors(), settings: source.settings, config: source.config };
  return source;
}

/**
 * Writes a PEFT adapter folder (`adapter_config.json`, `adapter_model.safetensors`, `README.md`) that
 * `PeftModel.from_pretrained` and vLLM load; the folder appears whole or not at all.
 * @example await writePeftFolder('out/support-bot', { adapter, baseModelName: 'HuggingFaceTB/SmolLM2-135M', card: { title: 'Support bot' } })
 */
export async function writePeftFolder(dir: string, options: WritePeftFolderOptions): Promise<void> {
  const { tensors, settings, config } = await adapterContents(options.adapter);
  const shapes = new Map([...tensors].map(([name, tensor]) => [name, tensor.shape]));
  checkAdapterTensors(shapes, config, settings, `adapter to write to ${dir}`);
  const card = peftModelCard(settings, options.baseModelName, options.card, basename(resolve(dir)));
  await writeFolderAtomically(
    dir,
    async (scratch) => {
      await writeFile(join(scratch, peftFileNames.config), formatPeftAdapterConfig(toPeftAdapterConfig(settings, options.baseModelName)));
      await writeSafetensors(join(scratch, peftFileNames.weights), tensors, { format: 'pt' });
      await writeFile(join(scratch, peftFileNames.card), card);
    },
    options.replace ?? false,
  );
}

async function readConfigJson(dir: string): Promise<unknown> {
  const path = join(dir, peftFileNames.config);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new InputError(`${dir} has no ${peftFileNames.config}; point at a PEFT adapter folder (adapter_config.json, adapter_model.safetensors)`, {
      code: 'peft-folder-invalid',
    });
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new InputError(`${path} is not valid JSON (${(error as Error).message}); export the adapter again`, { code: 'peft-folder-invalid', cause: error });
  }
}

async function openWeights(dir: string): Promise<Awaited<ReturnType<typeof openSafetensors>>> {
  const path = join(dir, peftFileNames.weights);
  try {
    return await openSafetensors(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const hasBin = await stat(join(dir, 'adapter_model.bin')).then(
      () => true,
      () => false,
    );
    const hint = hasBin ? '; it has adapter_model.bin, which is not read: save the adapter with safe_serialization=True' : '';
    throw new InputError(`${dir} has no ${peftFileNames.weights}${hint}`, { code: 'peft-folder-invalid', cause: error });
  }
}

/**
 * Reads a PEFT LoRA folder and checks it against the base model's config: supported settings, exactly the
 * expected tensors with the expected shapes. Keys with the adapter name `default` are normalised.
 * @example const { settings, tensors } = await readPeftFolder('adapters/support-bot', model.config)
 */
export async function readPeftFolder(dir: string, baseConfig: DecoderConfig): Promise<PeftFolder> {
  const { settings, baseModelName, ignoredKeys } = parsePeftAdapterConfig(await readConfigJson(dir), join(dir, peftFileNames.config));
  const file = await openWeights(dir);
  try {
    const stored = new Map<string, string>();
    for (const name of file.tensors.keys()) {
      const normal = normalisePeftTensorName(name);
      const previous = stored.get(normal);
      if (previous !== undefined) {
        throw new InputError(`${file.path} holds both "${previous}" and "${name}"; keep one copy`, { code: 'peft-tensors-unexpected' });
      }
      stored.set(normal, name);
    }
    const shapes = new Map([...stored].map(([normal, name]) => [normal, file.tensors.get(name)?.shape ?? []]));
    checkAdapterTensors(shapes, baseConfig, settings, file.path);
    const tensors = new Map<string, HostTensor>();
    for (const [normal, name] of [...stored].sort(([left], [right]) => (left < right ? -1 : 1))) {
      tensors.set(normal, { shape: [...(shapes.get(normal) ?? [])], data: await file.read(name) });
    }
    return { settings, tensors, ignoredKeys, baseModelName };
  } finally {
    await file.close();
  }
}
