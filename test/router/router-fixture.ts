// A router on loopback for the tests: real Redis under a random prefix, a file store in a temp folder, the built-in
// tiny model on wasm, adapters written as PEFT folders with random weights, and the official OpenAI client.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import OpenAI from 'openai';
import { createLogger, FileStore, SeededRandom, sha256Hex, type Logger } from '../../core/index.js';
import { AdapterRegistry, expectedAdapterTensors, LanguageModel, resolveModel, writePeftFolder, type AdapterVersion, type BackendPreference, type HostTensor, type LoraSettings } from '../../adapters/index.js';
import { ApiKeyStore, createRouter, type Router, type RouterOptions } from '../../router/index.js';
import { removePrefix, testConnection, testPrefix } from '../support/redis-test.js';

/** What the tests share: one model, Redis, store and registry under a fresh prefix. */
export interface RouterWorld {
  prefix: string;
  folder: string;
  connection: Redis;
  store: FileStore;
  registry: AdapterRegistry;
  model: LanguageModel;
  keys: ApiKeyStore;
  log: Logger;
  close(): Promise<void>;
}

/** A started router with a key and a client that uses it. */
export interface RunningRouter {
  router: Router;
  baseUrl: string;
  key: string;
  client: OpenAI;
  close(): Promise<void>;
}

/** Opens the shared pieces; the tiny model loads on wasm, which every machine has, unless `backend` says otherwise. */
export async function openRouterWorld(backend: BackendPreference = 'wasm'): Promise<RouterWorld> {
  const prefix = testPrefix();
  const folder = await mkdtemp(join(tmpdir(), 'lora-router-test-'));
  const connection = testConnection();
  const store = new FileStore(join(folder, 'store'));
  const registry = new AdapterRegistry(connection, prefix, store);
  const log = createLogger({ level: 'silent' });
  let model: LanguageModel;
  try {
    const resolved = await resolveModel('builtin:tiny', { store, cacheDir: join(folder, 'cache') });
    model = await LanguageModel.load(resolved.folder, { name: resolved.name, backend, log });
  } catch (error) {
    connection.disconnect();
    await rm(folder, { recursive: true, force: true });
    throw error;
  }
  return {
    prefix,
    folder,
    connection,
    store,
    registry,
    model,
    keys: new ApiKeyStore(connection, prefix),
    log,
    async close() {
      model.dispose();
      await removePrefix(connection, prefix);
      connection.disconnect();
      await rm(folder, { recursive: true, force: true });
    },
  };
}

/** Starts a router on 127.0.0.1 and a free port, with a fresh API key and an OpenAI client that never retries. */
export async function startRouter(world: RouterWorld, options: Partial<RouterOptions> = {}): Promise<RunningRouter> {
  const router = createRouter({ model: world.model, registry: world.registry, store: world.store, redis: world.connection, prefix: world.prefix, log: world.log, ...options });
  await router.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = router.app.server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}/v1`;
  const { key } = await world.keys.create(`test-${port}-${Math.random().toString(36).slice(2, 8)}`);
  return { router, baseUrl, key, client: new OpenAI({ baseURL: baseUrl, apiKey: key, maxRetries: 0 }), close: () => router.close() };
}

const adapterSettings: LoraSettings = { r: 4, lora_alpha: 32, lora_dropout: 0, target_modules: 'all-linear', use_rslora: false, bias: 'none' };

/**
 * Registers a version of `name` whose LoRA weights are random and non-zero (A and B both), so that it answers
 * differently from the base and from other seeds. Training would take too long for these tests.
 */
export async function registerRandomAdapter(world: RouterWorld, name: string, seed: number): Promise<AdapterVersion> {
  const random = new SeededRandom(seed);
  const tensors = new Map<string, HostTensor>();
  for (const [tensorName, shape] of expectedAdapterTensors(world.model.config, adapterSettings)) {
    const data = new Float32Array(shape[0]! * shape[1]!);
    for (let index = 0; index < data.length; index += 1) data[index] = (random.next() * 2 - 1) * 0.3;
    tensors.set(tensorName, { shape, data });
  }
  const local = join(world.folder, `peft-${name}-${seed}`);
  await writePeftFolder(local, { adapter: { tensors, settings: adapterSettings, config: world.model.config }, baseModelName: world.model.identity.name, card: { title: `${name} (random, seed ${seed})` } });
  const key = `test-adapters/${name}-${seed}/`;
  for (const file of await readdir(local)) await world.store.put(`${key}${file}`, await readFile(join(local, file)));
  return world.registry.register({
    name,
    artifact: { uri: `${world.store.url}/${key}`, key, sha256: sha256Hex(await readFile(join(local, 'adapter_model.safetensors'))) },
    baseModel: { name: world.model.identity.name, sha256: world.model.identity.sha256 },
    dataset: { name: 'none', version: 'random' },
    hyperparameters: { lora: adapterSettings, seed },
    metrics: {},
    backend: 'none',
    runId: null,
    createdBy: 'router-test',
  });
}

/** Promotes a version to production (or staging) past the eval gate, as an operator would with --force. */
export async function promote(world: RouterWorld, reference: string, alias: 'production' | 'staging' = 'production'): Promise<void> {
  await world.registry.promote(reference, alias, { force: true, reason: 'router test', actor: 'router-test' });
}
