import { mkdir, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStore, InputError } from '../../../core/index.js';
import { loadModelFolder, modelFolderFromStore } from '../../../adapters/model/model-folder.js';
import { expectedTensors, parseDecoderConfig } from '../../../adapters/model/model-config.js';
import type { Float32Tensor } from '../../../adapters/model/safetensors/safetensors-header.js';
import { writeSafetensors } from '../../../adapters/model/safetensors/safetensors-writer.js';

const tinyConfig = {
  architectures: ['LlamaForCausalLM'],
  model_type: 'llama',
  vocab_size: 32,
  hidden_size: 8,
  intermediate_size: 16,
  num_hidden_layers: 2,
  num_attention_heads: 2,
  num_key_value_heads: 1,
  tie_word_embeddings: false,
};

const tokenizer = { version: '1.0', model: { type: 'BPE', vocab: { a: 0 }, merges: [] } };

/** Deterministic weights of the shapes the config needs, from a small linear congruential generator. */
function randomWeights(rawConfig: unknown, seed = 7): Map<string, Float32Tensor> {
  let state = seed;
  const next = (): number => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state / 2 ** 31 - 0.5;
  };
  const weights = new Map<string, Float32Tensor>();
  for (const [name, shape] of expectedTensors(parseDecoderConfig(rawConfig))) {
    const data = new Float32Array(shape.reduce((product, size) => product * size, 1));
    for (let index = 0; index < data.length; index += 1) data[index] = next();
    weights.set(name, { shape, data });
  }
  return weights;
}

interface ModelFiles {
  config?: unknown;
  weights?: Map<string, Float32Tensor>;
  /** Splits the weights over this many shards with an index instead of one model.safetensors. */
  shards?: number;
  tokenizer?: boolean;
}

async function writeModel(folder: string, files: ModelFiles = {}): Promise<Map<string, Float32Tensor>> {
  const config = files.config ?? tinyConfig;
  const weights = files.weights ?? randomWeights(config);
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'config.json'), JSON.stringify(config));
  if (files.tokenizer !== false) {
    await writeFile(join(folder, 'tokenizer.json'), JSON.stringify(tokenizer));
    await writeFile(join(folder, 'tokenizer_config.json'), JSON.stringify({ bos_token: '<s>' }));
  }
  const shards = files.shards ?? 1;
  if (shards === 1) {
    await writeSafetensors(join(folder, 'model.safetensors'), weights, { format: 'pt' });
    return weights;
  }
  const names = [...weights.keys()];
  const weightMap: Record<string, string> = {};
  for (let shard = 0; shard < shards; shard += 1) {
    const file = `model-0000${shard + 1}-of-0000${shards}.safetensors`;
    const part = new Map(names.filter((_, index) => index % shards === shard).map((name) => [name, weights.get(name)!]));
    for (const name of part.keys()) weightMap[name] = file;
    await writeSafetensors(join(folder, file), part);
  }
  await writeFile(join(folder, 'model.safetensors.index.json'), JSON.stringify({ metadata: { total_size: 0 }, weight_map: weightMap }));
  return weights;
}

async function failure(promise: Promise<unknown>): Promise<InputError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(InputError);
  return error as InputError;
}

describe('model folder', () => {
  let root: string;
  let count = 0;
  const fresh = (): string => join(root, `model-${(count += 1)}`);
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'lora-model-folder-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('loads config, weights and tokenizer files of a single-file folder exactly', async () => {
    const folder = fresh();
    const weights = await writeModel(folder);
    const model = await loadModelFolder(folder);
    expect(model.config).toMatchObject({ architecture: 'LlamaForCausalLM', vocabSize: 32, hiddenSize: 8, numLayers: 2, numKvHeads: 1, headDim: 4 });
    expect(model.rawConfig).toEqual(tinyConfig);
    expect(model.weights).toEqual(weights);
    expect(model.tokenizerJson).toEqual(tokenizer);
    expect(model.tokenizerConfig).toEqual({ bos_token: '<s>' });
    expect(model.generationConfig).toBeUndefined();
    expect(model.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(model.files).toEqual(['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
  });

  it('loads a sharded folder to the same weights as a single-file one', async () => {
    const single = fresh();
    const weights = await writeModel(single);
    const sharded = fresh();
    await writeModel(sharded, { weights, shards: 3 });
    await writeFile(join(sharded, 'generation_config.json'), JSON.stringify({ do_sample: false }));
    const fromSingle = await loadModelFolder(single);
    const fromShards = await loadModelFolder(sharded);
    expect(fromShards.weights).toEqual(fromSingle.weights);
    expect([...fromShards.weights.keys()]).toEqual([...fromSingle.weights.keys()]);
    expect(fromShards.generationConfig).toEqual({ do_sample: false });
    expect(fromShards.files.slice(0, 5)).toEqual([
      'config.json',
      'model.safetensors.index.json',
      'model-00001-of-00003.safetensors',
      'model-00002-of-00003.safetensors',
      'model-00003-of-00003.safetensors',
    ]);
  });

  it('gives equal folders equal hashes and a changed weight a new hash', async () => {
    const weights = randomWeights(tinyConfig);
    const first = fresh();
    const second = fresh();
    await writeModel(first, { weights });
    await writeModel(second, { weights });
    const hash = (await loadModelFolder(first)).sha256;
    expect((await loadModelFolder(second)).sha256).toBe(hash);
    weights.get('model.norm.weight')!.data[0] = 123;
    await writeModel(second, { weights });
    expect((await loadModelFolder(second)).sha256).not.toBe(hash);
  });

  it('ignores a tied lm_head and rotary inv_freq buffers', async () => {
    const config = { ...tinyConfig, tie_word_embeddings: true };
    const weights = randomWeights(config);
    weights.set('lm_head.weight', { shape: [32, 8], data: new Float32Array(256) });
    weights.set('model.layers.0.self_attn.rotary_emb.inv_freq', { shape: [2], data: new Float32Array([1, 0.01]) });
    const folder = fresh();
    await writeModel(folder, { config, weights });
    const model = await loadModelFolder(folder);
    expect(model.weights.has('lm_head.weight')).toBe(false);
    expect(model.weights.has('model.layers.0.self_attn.rotary_emb.inv_freq')).toBe(false);
    expect(model.weights.size).toBe(weights.size - 2);
  });

  it('refuses a folder without config.json', async () => {
    const folder = fresh();
    await writeModel(folder);
    await rm(join(folder, 'config.json'));
    const error = await failure(loadModelFolder(folder));
    expect(error.code).toBe('model-folder-invalid');
    expect(error.message).toContain(`${folder} has no config.json`);
  });

  it('refuses a folder without tokenizer.json unless told not to expect one', async () => {
    const folder = fresh();
    await writeModel(folder, { tokenizer: false });
    const error = await failure(loadModelFolder(folder));
    expect(error.code).toBe('model-folder-invalid');
    expect(error.message).toContain('has no tokenizer.json');
    const model = await loadModelFolder(folder, { expectTokenizer: false });
    expect(model.tokenizerJson).toBeUndefined();
    expect(model.tokenizerConfig).toBeUndefined();
  });

  it('refuses an architecture it cannot run, naming the supported ones', async () => {
    const folder = fresh();
    await writeModel(folder, { weights: randomWeights(tinyConfig) });
    await writeFile(join(folder, 'config.json'), JSON.stringify({ ...tinyConfig, architectures: ['GPT2LMHeadModel'] }));
    const error = await failure(loadModelFolder(folder));
    expect(error.code).toBe('model-architecture-unsupported');
    expect(error.message).toContain(join(folder, 'config.json'));
    expect(error.message).toContain('"GPT2LMHeadModel" is not supported; supported architectures: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM');
  });

  it('refuses weights that lack a tensor, naming it and the count', async () => {
    const weights = randomWeights(tinyConfig);
    weights.delete('model.layers.1.mlp.down_proj.weight');
    weights.delete('model.norm.weight');
    const folder = fresh();
    await writeModel(folder, { weights });
    const error = await failure(loadModelFolder(folder));
    expect(error.code).toBe('model-tensors-missing');
    expect(error.message).toContain(join(folder, 'model.safetensors'));
    expect(error.message).toContain('lacks 2 tensors');
    expect(error.message).toContain('model.layers.1.mlp.down_proj.weight, model.norm.weight');
  });

  it('refuses weights with a tensor the config does not have', async () => {
    const weights = randomWeights(tinyConfig);
    weights.set('model.layers.2.mlp.up_proj.weight', { shape: [16, 8], data: new Float32Array(128) });
    const folder = fresh();
    await writeModel(folder, { weights });
    const error = await failure(loadModelFolder(folder));
    expect(error.code).toBe('model-tensors-unexpected');
    expect(error.message).toContain('holds 1 tensors that a LlamaForCausalLM with this config.json does not have: model.layers.2.mlp.up_proj.weight');
  });

  it('refuses a tensor of the wrong shape, with the expected and the found shape', async () => {
    const weights = randomWeights(tinyConfig);
    weights.set('model.layers.0.self_attn.k_proj.weight', { shape: [8, 8], data: new Float32Array(64) });
    const folder = fresh();
    await writeModel(folder, { weights });
    const error = await failure(loadModelFolder(folder));
    expect(error.code).toBe('model-tensor-shape');
    expect(error.message).toContain('tensor "model.layers.0.self_attn.k_proj.weight" must have shape [4, 8] per config.json, found [8, 8]');
  });

  it('refuses a truncated weight file', async () => {
    const folder = fresh();
    await writeModel(folder);
    const path = join(folder, 'model.safetensors');
    await truncate(path, (await stat(path)).size - 100);
    const error = await failure(loadModelFolder(folder));
    expect(error.code).toBe('safetensors-truncated');
    expect(error.message).toContain(path);
  });

  it('refuses weights stored in an unsupported dtype', async () => {
    const folder = fresh();
    await writeModel(folder);
    const header = new TextEncoder().encode(JSON.stringify({ 'model.embed_tokens.weight': { dtype: 'F64', shape: [32, 8], data_offsets: [0, 2048] } }));
    const bytes = new Uint8Array(8 + header.length + 2048);
    new DataView(bytes.buffer).setBigUint64(0, BigInt(header.length), true);
    bytes.set(header, 8);
    await writeFile(join(folder, 'model.safetensors'), bytes);
    const error = await failure(loadModelFolder(folder));
    expect(error.code).toBe('safetensors-dtype-unsupported');
    expect(error.message).toContain('unsupported dtype "F64"');
  });

  it('refuses a shard index that names a shard which does not exist', async () => {
    const folder = fresh();
    await writeModel(folder, { shards: 2 });
    await rm(join(folder, 'model-00002-of-00002.safetensors'));
    const error = await failure(loadModelFolder(folder));
    expect(error.code).toBe('model-shard-missing');
    expect(error.message).toContain('in shard "model-00002-of-00002.safetensors"');
    expect(error.message).toContain('download every shard the index names');
  });

  it('refuses a folder with neither model.safetensors nor a shard index', async () => {
    const folder = fresh();
    await writeModel(folder);
    await rm(join(folder, 'model.safetensors'));
    await writeFile(join(folder, 'pytorch_model.bin'), 'not read');
    const error = await failure(loadModelFolder(folder));
    expect(error.code).toBe('model-folder-invalid');
    expect(error.message).toContain('has neither model.safetensors nor model.safetensors.index.json; it has pytorch_model.bin');
  });

  it('downloads a model folder from the store into a cache and loads it, keeping files already there', async () => {
    const source = fresh();
    const weights = await writeModel(source, { shards: 2 });
    const store = new FileStore(join(root, 'store'));
    for (const name of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.safetensors.index.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors']) {
      await store.put(`models/org/tiny/${name}`, await readFile(join(source, name)));
    }
    const cache = join(root, 'cache');
    const folder = await modelFolderFromStore(store, 'models/org/tiny', cache);
    expect(folder).toBe(join(cache, 'models', 'org', 'tiny'));
    const model = await loadModelFolder(folder);
    expect(model.weights).toEqual(weights);
    expect(model.sha256).toBe((await loadModelFolder(source)).sha256);

    const before = (await stat(join(folder, 'config.json'))).mtimeMs;
    await writeFile(join(folder, 'tokenizer.json'), 'cut');
    expect(await modelFolderFromStore(store, 'models/org/tiny/', cache)).toBe(folder);
    expect((await stat(join(folder, 'config.json'))).mtimeMs).toBe(before);
    expect(JSON.parse(await readFile(join(folder, 'tokenizer.json'), 'utf8'))).toEqual(tokenizer);
  });

  it('refuses a store prefix that holds no objects', async () => {
    const store = new FileStore(join(root, 'empty-store'));
    const error = await failure(modelFolderFromStore(store, 'models/org/absent/', join(root, 'cache')));
    expect(error.code).toBe('model-folder-invalid');
    expect(error.message).toContain('has no objects under "models/org/absent/"');
  });
});
