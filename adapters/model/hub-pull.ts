import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { assertValidPrefix, LoraError, UsageError, type ArtifactStore } from '../../core/index.js';

/** One step of a download, sent after every chunk written. */
export interface PullProgress {
  file: string;
  /** Bytes on disk so far, a resumed part included. */
  receivedBytes: number;
  /** The file's size, when the hub said. */
  totalBytes: number | undefined;
}

/** Where to pull from, where to put it, and the services to do it with. */
export interface PullModelOptions {
  /** `ORG/NAME` on the hub. */
  repo: string;
  /** Branch, tag or commit; `main` by default. */
  revision?: string;
  /** The hub's base URL, such as `https://huggingface.co`. */
  endpoint: string;
  /** A Hugging Face token (HF_TOKEN), sent as a bearer token. */
  token?: string;
  store: ArtifactStore;
  /** Store keys are `prefix + file name`; empty or ending in `/`, such as `models/ORG/NAME/`. */
  prefix: string;
  /** Where half-downloaded files wait to be resumed. */
  cacheDir: string;
  fetch?: typeof fetch;
  onProgress?: (event: PullProgress) => void;
  signal?: AbortSignal;
  /** Tries per request before a transient failure is final; 4 by default. */
  attempts?: number;
  /** Wait before the first retry, doubled after each; 1000 ms by default. */
  retryDelayMs?: number;
}

/** One file now in the store. */
export interface PulledFile {
  name: string;
  size: number;
  sha256: string;
}

/** What was pulled: the revision asked for, the commit it resolved to, and the files. */
export interface PulledModel {
  repo: string;
  revision: string;
  sha?: string;
  files: PulledFile[];
}

const repoName = /^[A-Za-z0-9][A-Za-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/;
const revisionName = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;
const commitSha = /^[0-9a-f]{40}$/;
const indexName = 'model.safetensors.index.json';
const runtimeNames = new Set(['config.json', 'generation_config.json', indexName, 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'chat_template.jinja', 'README.md']);

/** The few fields of the hub's repo listing (`?blobs=true` adds sizes and LFS hashes) that a pull reads. */
const repoListing = z.object({
  sha: z.string().optional(),
  siblings: z.array(
    z.object({
      rfilename: z.string(),
      size: z.number().int().nonnegative().optional(),
      lfs: z.object({ sha256: z.string().optional(), size: z.number().int().nonnegative().optional() }).optional(),
    }),
  ),
});
type Sibling = z.infer<typeof repoListing>['siblings'][number];

const shardIndex = z.object({ weight_map: z.record(z.string(), z.string()) });

/** Top-level files the runtime reads; pickle and GGUF weights, ONNX exports and other subfolders stay behind. */
function isRuntimeFile(name: string): boolean {
  if (name.includes('/')) return false;
  return runtimeNames.has(name) || name.endsWith('.safetensors') || name.startsWith('LICENSE');
}

/** Everything one pull shares: the options with their defaults and the commit the files come from. */
interface PullContext extends PullModelOptions {
  revision: string;
  fetch: typeof fetch;
  /** The commit when the listing named one, so every file comes from the same snapshot. */
  snapshot: string;
}

function unavailable(context: PullContext, what: string, cause?: unknown): LoraError {
  return new LoraError(`hub ${context.endpoint}: ${what} (model ${context.repo} at revision "${context.revision}"); try again later or check the network`, {
    code: 'hub-unavailable',
    retryable: true,
    cause,
  });
}

/** Maps a refusal to an error that says what to do; the hub names its reason in `X-Error-Code`. */
function refusal(context: PullContext, response: Response, file: string | undefined): LoraError {
  const reason = response.headers.get('x-error-code');
  const subject = `model ${context.repo} at revision "${context.revision}"`;
  if (reason === 'GatedRepo' || (reason === null && (response.status === 401 || response.status === 403))) {
    const sent = context.token === undefined ? 'no token was sent' : 'the token was not accepted';
    return new LoraError(`hub ${context.endpoint} refused ${subject} (HTTP ${response.status}, ${sent}); set HF_TOKEN to a token that can read it, and accept the license on the model page if it is gated`, {
      code: 'hub-unauthorized',
      exitCode: 1,
    });
  }
  if (reason === 'RepoNotFound' || reason === 'RevisionNotFound' || response.status === 404) {
    const what = file === undefined || reason === 'RepoNotFound' || reason === 'RevisionNotFound' ? subject : `file "${file}" of ${subject}`;
    return new LoraError(`hub ${context.endpoint} has no ${what} (HTTP ${response.status}); check ORG/NAME and the revision, or set HF_TOKEN if the repo is private`, {
      code: 'hub-not-found',
    });
  }
  return unavailable(context, `${file ?? 'the file listing'} answered HTTP ${response.status} ${response.statusText}`);
}

/** Sends one GET; a network failure or a refusal becomes a typed error, and 206 and 416 are the caller's. */
async function send(context: PullContext, url: string, headers: Record<string, string>, file?: string): Promise<Response> {
  const authorization: Record<string, string> = context.token === undefined ? {} : { authorization: `Bearer ${context.token}` };
  let response: Response;
  try {
    response = await context.fetch(url, { headers: { ...authorization, ...headers }, signal: context.signal });
  } catch (error) {
    if (context.signal?.aborted) throw context.signal.reason;
    throw unavailable(context, `cannot reach ${url}: ${(error as Error).message}`, error);
  }
  if (response.ok || response.status === 416) return response;
  await response.body?.cancel().catch(() => undefined);
  throw refusal(context, response, file);
}

/** Runs `action` again after transient failures, waiting longer each time. */
async function withRetries<T>(context: PullContext, action: () => Promise<T>): Promise<T> {
  const attempts = context.attempts ?? 4;
  for (let attempt = 1; ; attempt++) {
    try {
      return await action();
    } catch (error) {
      const transient = error instanceof LoraError && error.retryable;
      if (!transient || attempt >= attempts || context.signal?.aborted) throw error;
      await sleep((context.retryDelayMs ?? 1000) * 2 ** (attempt - 1), undefined, { signal: context.signal });
    }
  }
}

function fileUrl(context: PullContext, name: string): string {
  const path = name.split('/').map(encodeURIComponent).join('/');
  return `${context.endpoint.replace(/\/+$/, '')}/${context.repo}/resolve/${encodeURIComponent(context.snapshot)}/${path}`;
}

async function hashFile(path: string, hash: Hash, end?: number): Promise<void> {
  for await (const chunk of createReadStream(path, end === undefined ? {} : { end: end - 1 })) hash.update(chunk as Buffer);
}

/** The total size a 200 or 206 response announces. */
function announcedSize(response: Response, offset: number): number | undefined {
  if (response.status === 206) {
    const total = /\/(\d+)$/.exec(response.headers.get('content-range') ?? '')?.[1];
    return total === undefined ? undefined : Number(total);
  }
  const length = response.headers.get('content-length');
  return length === null ? undefined : Number(length) + offset;
}

/** One try at completing `partial`: resumes with a Range request when part of it is already on disk. */
async function downloadOnce(context: PullContext, sibling: Sibling, partial: string): Promise<PulledFile> {
  const name = sibling.rfilename;
  const expectedSize = sibling.lfs?.size ?? sibling.size;
  const expectedSha = sibling.lfs?.sha256;
  let offset = (await stat(partial).catch(() => undefined))?.size ?? 0;
  if (expectedSize !== undefined && offset > expectedSize) offset = 0;

  const hash = createHash('sha256');
  let received = offset;
  if (expectedSize === undefined || offset < expectedSize || offset === 0) {
    // Identity encoding, since Content-Length and byte ranges must count the bytes that land on disk.
    const headers: Record<string, string> = { 'accept-encoding': 'identity', ...(offset > 0 ? { range: `bytes=${offset}-` } : {}) };
    const response = await send(context, fileUrl(context, name), headers, name);
    const start = /^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '')?.[1];
    if (response.status === 416 || (response.status === 206 && Number(start) !== offset)) {
      await response.body?.cancel().catch(() => undefined);
      await rm(partial, { force: true });
      throw unavailable(context, `${name} could not be resumed at byte ${offset} (HTTP ${response.status}); it starts over`);
    }
    if (response.status !== 206) offset = received = 0;
    const total = announcedSize(response, offset) ?? expectedSize;
    if (offset > 0) await hashFile(partial, hash, offset);
    const handle = await open(partial, offset > 0 ? 'a' : 'w');
    try {
      for await (const chunk of response.body ?? []) {
        await handle.write(chunk);
        hash.update(chunk);
        received += chunk.byteLength;
        context.onProgress?.({ file: name, receivedBytes: received, totalBytes: total });
      }
    } catch (error) {
      if (context.signal?.aborted) throw context.signal.reason;
      throw unavailable(context, `the download of ${name} broke off after ${received} bytes: ${(error as Error).message}`, error);
    } finally {
      await handle.close();
    }
    if (total !== undefined && received !== total) throw unavailable(context, `${name} ended after ${received} of ${total} bytes`);
  } else {
    await hashFile(partial, hash);
  }

  const sha256 = hash.digest('hex');
  if (expectedSha !== undefined && sha256 !== expectedSha) {
    await rm(partial, { force: true });
    throw unavailable(context, `${name} arrived with sha256 ${sha256}, but the hub lists ${expectedSha}; it is downloaded again`);
  }
  return { name, size: received, sha256 };
}

/** Puts one file into the store, downloading it unless the store already holds it at the listed size. */
async function pullFile(context: PullContext, sibling: Sibling): Promise<PulledFile> {
  const name = sibling.rfilename;
  const key = `${context.prefix}${name}`;
  const expectedSize = sibling.lfs?.size ?? sibling.size;
  const stored = await context.store.head(key);
  if (stored !== undefined && expectedSize !== undefined && stored.size === expectedSize) {
    let sha256 = sibling.lfs?.sha256;
    if (sha256 === undefined) {
      const hash = createHash('sha256');
      for await (const chunk of await context.store.get(key)) hash.update(chunk as Buffer);
      sha256 = hash.digest('hex');
    }
    return { name, size: stored.size, sha256 };
  }

  const target = join(context.cacheDir, ...context.repo.split('/'), encodeURIComponent(context.snapshot), name);
  const partial = `${target}.partial`;
  await mkdir(dirname(target), { recursive: true });
  const pulled = await withRetries(context, () => downloadOnce(context, sibling, partial));
  await rename(partial, target);
  await context.store.put(key, createReadStream(target));
  // The store now holds the file; keeping a second full copy of the weights in the cache would double the disk used.
  await rm(target, { force: true });
  return pulled;
}

/** Lists the files of the revision, keeping those the runtime reads. */
async function listRuntimeFiles(context: PullContext): Promise<{ sha?: string; files: Sibling[] }> {
  const url = `${context.endpoint.replace(/\/+$/, '')}/api/models/${context.repo}/revision/${encodeURIComponent(context.revision)}?blobs=true`;
  const body = await withRetries(context, async () => {
    const response = await send(context, url, { accept: 'application/json' });
    try {
      return await response.json();
    } catch (error) {
      throw unavailable(context, `the file listing at ${url} is not JSON`, error);
    }
  });
  const listing = repoListing.safeParse(body);
  if (!listing.success) throw unavailable(context, `the file listing at ${url} has no "siblings" list of {"rfilename"}`);
  const sha = listing.data.sha !== undefined && commitSha.test(listing.data.sha) ? listing.data.sha : undefined;
  return { sha, files: listing.data.siblings.filter((sibling) => isRuntimeFile(sibling.rfilename)) };
}

function validate(options: PullModelOptions, revision: string): void {
  if (!repoName.test(options.repo) || options.repo.includes('..')) {
    throw new UsageError(`hub repo must be ORG/NAME of letters, digits, "-", "_" and ".", got ${JSON.stringify(options.repo)}; write it as on the model page, e.g. Qwen/Qwen3-0.6B`);
  }
  if (!revisionName.test(revision) || revision.includes('..')) {
    throw new UsageError(`hub revision must be a branch, tag or commit such as "main", got ${JSON.stringify(revision)}; pass the name shown on the model page`);
  }
  if (options.prefix !== '' && !options.prefix.endsWith('/')) {
    throw new UsageError(`store prefix for pulled models must be empty or end in "/", got ${JSON.stringify(options.prefix)}; add the trailing "/"`);
  }
  assertValidPrefix(options.prefix);
}

/**
 * Pulls the files a runtime needs (config, tokenizer, safetensors weights) of one hub revision into the store.
 * Downloads resume from the cache after a broken connection; files the store already holds at the listed size are kept.
 * @example
 * await pullModel({ repo: 'Qwen/Qwen3-0.6B', endpoint: 'https://huggingface.co', token: process.env.HF_TOKEN,
 *   store, prefix: 'models/Qwen/Qwen3-0.6B/', cacheDir: '.lora/cache/hub' });
 */
export async function pullModel(options: PullModelOptions): Promise<PulledModel> {
  const revision = options.revision ?? 'main';
  validate(options, revision);
  const base: PullContext = { ...options, revision, fetch: options.fetch ?? globalThis.fetch, snapshot: revision };
  const { sha, files } = await listRuntimeFiles(base);
  const context: PullContext = { ...base, snapshot: sha ?? revision };

  // With a shard index, only the shards it names are weights of this model (Mistral repos also ship consolidated.safetensors).
  const index = files.find((file) => file.rfilename === indexName);
  const pulled: PulledFile[] = [];
  let wanted = files;
  if (index !== undefined) {
    pulled.push(await pullFile(context, index));
    const parsed = shardIndex.safeParse(await context.store.readJson(`${context.prefix}${indexName}`));
    if (parsed.success) {
      const shards = new Set(Object.values(parsed.data.weight_map));
      wanted = files.filter((file) => file !== index && (!file.rfilename.endsWith('.safetensors') || shards.has(file.rfilename)));
    }
  }
  for (const file of wanted) if (file !== index) pulled.push(await pullFile(context, file));
  pulled.sort((left, right) => (left.name < right.name ? -1 : left.name > right.name ? 1 : 0));
  return { repo: options.repo, revision, ...(sha === undefined ? {} : { sha }), files: pulled };
}
