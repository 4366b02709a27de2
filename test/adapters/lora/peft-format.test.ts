import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SeededRandom } from '../../../core/index.js';
import { LoraAdapter } from '../../../adapters/lora/lora-adapter.js';
import type { LoraSettings } from '../../../adapters/lora/lora-contracts.js';
import { expectedAdapterTensors, readPeftFolder, writePeftFolder } from '../../../adapters/lora/peft-folder.js';
import { parsePeftAdapterConfig } from '../../../adapters/lora/peft-format.js';
import type { HostTensor } from '../../../adapters/model/decoder-parameters.js';
import { openSafetensors } from '../../../adapters/model/safetensors/safetensors-reader.js';
import { writeSafetensors } from '../../../adapters/model/safetensors/safetensors-writer.js';
import { selectBackend } from '../../../adapters/model/tensor-backend.js';
import { smallConfig } from '../model/decoder-fixture.js';

const config = smallConfig();
const settings: LoraSettings = { r: 4, lora_alpha: 8, lora_dropout: 0.05, target_modules: ['q_proj', 'v_proj'], use_rslora: false, bias: 'none' };
const baseModelName = 'HuggingFaceTB/SmolLM2-135M';
let root: string;
let adapter: LoraAdapter;
let exported: Map<string, HostTensor>;
/** The folder every import test starts from: `adapter` written once. */
let written: string;
let folderCount = 0;

beforeAll(async () => {
  await selectBackend('cpu');
  root = await mkdtemp(join(tmpdir(), 'peft-format-test-'));
  // Random B as well as A, so that a round trip that dropped, swapped or transposed a tensor could not pass.
  const random = new SeededRandom(4);
  const initial = new Map<string, HostTensor>();
  for (const [name, shape] of expectedAdapterTensors(config, settings)) {
    initial.set(name, { shape, data: Float32Array.from({ length: shape[0]! * shape[1]! }, () => random.next() - 0.5) });
  }
  adapter = new LoraAdapter(config, settings, 3, initial);
  exported = await adapter.exportTensors();
  written = join(root, 'written');
  await writePeftFolder(written, { adapter, baseModelName, card: { title: 'Support bot', datasetVersion: 'support-v3', metrics: { eval_loss: 1.234567 } } });
});

afterAll(async () => {
  adapter.dispose();
  await rm(root, { recursive: true, force: true });
});

async function writtenConfig(): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(written, 'adapter_config.json'), 'utf8')) as Record<string, unknown>;
}

/** A copy of the written folder with config keys patched and, optionally, other tensors. */
async function variant(patch: Record<string, unknown>, tensors: ReadonlyMap<string, HostTensor> = exported): Promise<string> {
  folderCount += 1;
  const dir = join(root, `variant-${folderCount}`);
  await mkdir(dir);
  await writeFile(join(dir, 'adapter_config.json'), JSON.stringify({ ...(await writtenConfig()), ...patch }));
  await writeSafetensors(join(dir, 'adapter_model.safetensors'), tensors);
  return dir;
}

function without(name: string): Map<string, HostTensor> {
  return new Map([...exported].filter(([key]) => key !== name));
}

const prefix = 'base_model.model.model.layers';

describe('PEFT folder export', () => {
  it("writes exactly PEFT's tensor names and shapes, A [r, in] and B [out, r], as float32", async () => {
    const file = await openSafetensors(join(written, 'adapter_model.safetensors'));
    const found = new Map([...file.tensors].map(([name, info]) => [name, `${info.dtype} [${info.shape.join(', ')}]`]));
    const metadata = file.metadata;
    await file.close();
    // q_proj: 32 → 32 (4 heads × 8); v_proj: 32 → 16 (2 KV heads × 8).
    expect(found).toEqual(
      new Map([
        [`${prefix}.0.self_attn.q_proj.lora_A.weight`, 'F32 [4, 32]'],
        [`${prefix}.0.self_attn.q_proj.lora_B.weight`, 'F32 [32, 4]'],
        [`${prefix}.0.self_attn.v_proj.lora_A.weight`, 'F32 [4, 32]'],
        [`${prefix}.0.self_attn.v_proj.lora_B.weight`, 'F32 [16, 4]'],
        [`${prefix}.1.self_attn.q_proj.lora_A.weight`, 'F32 [4, 32]'],
        [`${prefix}.1.self_attn.q_proj.lora_B.weight`, 'F32 [32, 4]'],
        [`${prefix}.1.self_attn.v_proj.lora_A.weight`, 'F32 [4, 32]'],
        [`${prefix}.1.self_attn.v_proj.lora_B.weight`, 'F32 [16, 4]'],
      ]),
    );
    expect(metadata).toEqual({ format: 'pt' });
    expect((await readdir(written)).sort()).toEqual(['README.md', 'adapter_config.json', 'adapter_model.safetensors']);
    expect((await readdir(root)).filter((name) => name.includes('.partial'))).toEqual([]);
  });

  it('writes an adapter_config.json with the fields PEFT and vLLM read, keys sorted', async () => {
    const text = await readFile(join(written, 'adapter_config.json'), 'utf8');
    expect(JSON.parse(text)).toEqual({
      alpha_pattern: {},
      base_model_name_or_path: baseModelName,
      bias: 'none',
      fan_in_fan_out: false,
      inference_mode: true,
      init_lora_weights: true,
      layers_pattern: null,
      layers_to_transform: null,
      lora_alpha: 8,
      lora_dropout: 0.05,
      modules_to_save: null,
      peft_type: 'LORA',
      r: 4,
      rank_pattern: {},
      revision: null,
      target_modules: ['q_proj', 'v_proj'],
      task_type: 'CAUSAL_LM',
      use_dora: false,
      use_rslora: false,
    });
    const keys = Object.keys(JSON.parse(text) as object);
    expect(keys).toEqual([...keys].sort());
  });

  it('writes a model card that names the base model, the settings and how to load the adapter', async () => {
    const card = await readFile(join(written, 'README.md'), 'utf8');
    expect(card).toContain(`base_model: "${baseModelName}"`);
    expect(card).toContain('# Support bot');
    expect(card).toContain('| r | 4 |');
    expect(card).toContain('support-v3');
    expect(card).toContain('| eval_loss | 1.23457 |');
    expect(card).toContain('PeftModel.from_pretrained(base, "written")');
    expect(card).toContain('--enable-lora --lora-modules written=written');
  });

  it('reads back what it wrote: equal settings and byte-identical tensors', async () => {
    const read = await readPeftFolder(written, config);
    expect(read.settings).toEqual(settings);
    expect(read.baseModelName).toBe(baseModelName);
    expect(read.ignoredKeys).toEqual([]);
    expect([...read.tensors.keys()].sort()).toEqual([...exported.keys()].sort());
    for (const [name, tensor] of exported) {
      const back = read.tensors.get(name)!;
      expect(back.shape).toEqual(tensor.shape);
      expect(Buffer.from(back.data.buffer, back.data.byteOffset, back.data.byteLength).equals(Buffer.from(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength))).toBe(true);
    }
    // What is read is what LoraAdapter takes as its initial tensors.
    const loaded = new LoraAdapter(config, read.settings, 99, read.tensors);
    const again = await loaded.exportTensors();
    loaded.dispose();
    for (const [name, tensor] of exported) expect(Array.from(again.get(name)!.data)).toEqual(Array.from(tensor.data));
  });

  it('keeps target_modules "all-linear" as given and reads it back', async () => {
    const allLinear: LoraSettings = { ...settings, target_modules: 'all-linear', use_rslora: true };
    const wide = new LoraAdapter(config, allLinear, 5);
    const dir = join(root, 'all-linear');
    await writePeftFolder(dir, { adapter: wide, baseModelName, card: { title: 'Wide' } });
    expect(JSON.parse(await readFile(join(dir, 'adapter_config.json'), 'utf8'))).toMatchObject({ target_modules: 'all-linear', use_rslora: true });
    const read = await readPeftFolder(dir, config);
    expect(read.settings).toEqual(allLinear);
    expect(read.tensors.size).toBe(2 * 7 * 2);
    wide.dispose();
  });

  it('refuses to write over a non-empty folder unless asked to replace it', async () => {
    const dir = join(root, 'replaced');
    await writePeftFolder(dir, { adapter, baseModelName, card: { title: 'First' } });
    await expect(writePeftFolder(dir, { adapter, baseModelName, card: { title: 'Second' } })).rejects.toMatchObject({ code: 'folder-exists' });
    await writePeftFolder(dir, { adapter, baseModelName, card: { title: 'Second' }, replace: true });
    expect(await readFile(join(dir, 'README.md'), 'utf8')).toContain('# Second');
    expect((await readdir(root)).filter((name) => name.startsWith('.replaced.'))).toEqual([]);
  });
});

describe('PEFT folder import', () => {
  it.each([
    ['DoRA', { use_dora: true }, /DoRA/],
    ['per-module ranks', { rank_pattern: { q_proj: 16 } }, /"rank_pattern"/],
    ['per-module alphas', { alpha_pattern: { v_proj: 32 } }, /"alpha_pattern"/],
    ['extra trained modules', { modules_to_save: ['lm_head'] }, /"modules_to_save"/],
    ['trained biases', { bias: 'all' }, /"bias" is "all"/],
    ['transposed base weights', { fan_in_fan_out: true }, /"fan_in_fan_out"/],
    ['a subset of layers', { layers_to_transform: [0] }, /"layers_to_transform"/],
    ['a non-Llama target module', { target_modules: ['q_proj', 'c_attn'] }, /"c_attn"/],
    ['the output head as a target', { target_modules: ['lm_head'] }, /"lm_head"/],
    ['another PEFT method', { peft_type: 'IA3' }, /"peft_type" must be "LORA"/],
    ['another task', { task_type: 'SEQ_CLS' }, /"task_type" must be "CAUSAL_LM"/],
    ['an initialisation that rewrites the base', { init_lora_weights: 'pissa' }, /"init_lora_weights"/],
  ])('refuses %s by name', async (_, patch, message) => {
    const dir = await variant(patch);
    await expect(readPeftFolder(dir, config)).rejects.toMatchObject({ code: 'peft-unsupported', message: expect.stringMatching(message) });
  });

  it('refuses target_modules given as a pattern or as module paths, and says what to write instead', () => {
    const base = { peft_type: 'LORA', r: 4 };
    expect(() => parsePeftAdapterConfig({ ...base, target_modules: '.*proj' })).toThrow(/patterns are not supported/);
    expect(() => parsePeftAdapterConfig({ ...base, target_modules: ['model.layers.0.self_attn.q_proj'] })).toThrow(/name the module "q_proj" instead/);
  });

  it('ignores keys it does not know and lists them', async () => {
    const dir = await variant({ megatron_config: null, corda_config: null, loftq_config: {}, task_type: null });
    const read = await readPeftFolder(dir, config);
    expect(read.ignoredKeys).toEqual(['corda_config', 'loftq_config', 'megatron_config']);
    expect(read.settings).toEqual(settings);
  });

  it("applies PEFT's defaults to fields a config leaves out", () => {
    const parsed = parsePeftAdapterConfig({ peft_type: 'LORA', target_modules: ['q_proj'] });
    expect(parsed.settings).toEqual({ r: 8, lora_alpha: 8, lora_dropout: 0, target_modules: ['q_proj'], use_rslora: false, bias: 'none' });
    expect(parsed.baseModelName).toBeNull();
  });

  it('refuses a folder that lacks a tensor, and names it', async () => {
    const name = `${prefix}.1.self_attn.v_proj.lora_B.weight`;
    const dir = await variant({}, without(name));
    await expect(readPeftFolder(dir, config)).rejects.toMatchObject({ code: 'peft-tensors-missing', message: expect.stringContaining(name) });
  });

  it('refuses a folder with a tensor its target modules do not have', async () => {
    const extra = new Map(exported).set(`${prefix}.0.self_attn.k_proj.lora_A.weight`, { shape: [4, 32], data: new Float32Array(128) });
    const dir = await variant({}, extra);
    await expect(readPeftFolder(dir, config)).rejects.toMatchObject({ code: 'peft-tensors-unexpected', message: expect.stringContaining('k_proj') });
  });

  it('refuses a tensor of the wrong shape, and a rank that disagrees with r', async () => {
    const name = `${prefix}.0.self_attn.q_proj.lora_B.weight`;
    const transposed = new Map(exported).set(name, { shape: [4, 32], data: exported.get(name)!.data });
    await expect(readPeftFolder(await variant({}, transposed), config)).rejects.toMatchObject({ code: 'peft-tensor-shape', message: expect.stringContaining(name) });
    await expect(readPeftFolder(await variant({ r: 8 }), config)).rejects.toMatchObject({
      code: 'peft-tensor-shape',
      message: expect.stringContaining('its rank is 4 but adapter_config.json says r = 8'),
    });
  });

  it('refuses an adapter trained on a model with other dimensions', async () => {
    await expect(readPeftFolder(written, smallConfig({ hidden_size: 64, num_attention_heads: 8 }))).rejects.toMatchObject({ code: 'peft-tensor-shape' });
  });

  it('accepts tensor names that carry the adapter name "default" and normalises them', async () => {
    const named = new Map([...exported].map(([name, tensor]) => [name.replace(/\.weight$/, '.default.weight'), tensor]));
    const read = await readPeftFolder(await variant({}, named), config);
    expect([...read.tensors.keys()].sort()).toEqual([...exported.keys()].sort());
  });

  it('says what is wrong with a folder that is not a PEFT adapter', async () => {
    const empty = join(root, 'empty');
    await mkdir(empty);
    await expect(readPeftFolder(empty, config)).rejects.toMatchObject({ code: 'peft-folder-invalid', message: expect.stringContaining('adapter_config.json') });
    await writeFile(join(empty, 'adapter_config.json'), JSON.stringify(await writtenConfig()));
    await writeFile(join(empty, 'adapter_model.bin'), 'pickle');
    await expect(readPeftFolder(empty, config)).rejects.toMatchObject({ code: 'peft-folder-invalid', message: expect.stringContaining('safe_serialization') });
  });
});
