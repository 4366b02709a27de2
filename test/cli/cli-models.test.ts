import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';

// The tiny model's weights are retrained from time to time: these tests check structure and contracts, never generated text.
const tinyFolder = 'adapters/tiny-model/lora-tiny';
const tinyFiles = ['config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'];
const hubToken = 'hf_loopback_test_token';
const hubCommit = '0123456789abcdef0123456789abcdef01234567';

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** The JSON a successful `--json` run printed; a failed run shows its stderr in the assertion message. */
function printedJson<T>(result: CliResult): T {
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as T;
}

const exists = (path: string): Promise<boolean> => stat(path).then(() => true, () => false);

interface GenerateOutput {
  model: string;
  text: string;
  finishReason: string;
  usage: { prompt_tokens: number; completion_tokens: number };
  backend: string;
}

/** Checks the contract of `models generate --json` without looking at what the model said. */
function expectGenerateContract(output: GenerateOutput, backend: string, maxTokens: number): void {
  expect(output).toMatchObject({ text: expect.any(String), backend, finishReason: expect.any(String) });
  expect(output.usage.prompt_tokens).toBeGreaterThan(0);
  expect(output.usage.completion_tokens).toBeGreaterThanOrEqual(1);
  expect(output.usage.completion_tokens).toBeLessThanOrEqual(maxTokens);
}

interface HubRequest {
  path: string;
  authorization: string | undefined;
}

/** A loopback stand-in for the Hugging Face hub: the revision listing and `/resolve/`; repos named in `private` want the bearer token. */
async function startHub(repos: Record<string, Map<string, Buffer>>, privateRepos: ReadonlySet<string>) {
  const requests: HubRequest[] = [];
  const server: Server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://hub').pathname);
    requests.push({ path, authorization: request.headers.authorization });
    const reply = (status: number, body: unknown, headers: Record<string, string> = {}) =>
      response.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
    const listing = /^\/api\/models\/([^/]+\/[^/]+)\/revision\/([^/]+)$/.exec(path);
    const resolve = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    const repo = listing?.[1] ?? resolve?.[1] ?? '';
    const files = repos[repo];
    if (files === undefined) return reply(404, { error: 'Repository not found' }, { 'x-error-code': 'RepoNotFound' });
    if (privateRepos.has(repo) && request.headers.authorization !== `Bearer ${hubToken}`) return reply(401, { error: 'Invalid credentials' });
    if (listing !== null) {
      const siblings = [...files].map(([name, bytes]) => ({
        rfilename: name,
        size: bytes.length,
        ...(name.endsWith('.safetensors') || name.endsWith('.bin') ? { lfs: { sha256: sha256(bytes), size: bytes.length } } : {}),
      }));
      return reply(200, { id: repo, sha: hubCommit, siblings });
    }
    const bytes = resolve === null ? undefined : files.get(resolve[3]!);
    if (bytes === undefined) return reply(404, { error: 'Entry not found' }, { 'x-error-code': 'EntryNotFound' });
    response.writeHead(200, { 'content-length': String(bytes.length) }).end(bytes);
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((closed) => server.close(() => closed())),
  };
}

describe('lora models', () => {
  let folder: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'lora-models-cli-'));
    env = { LORA_STORE: `file://${join(folder, 'store')}`, LORA_MODEL_CACHE: join(folder, 'cache'), HF_TOKEN: undefined };
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  describe('the built-in tiny model', () => {
    it('is listed as a built-in Llama model of more than a million parameters', async () => {
      const listed = printedJson<unknown[]>(await runCli(['models', 'list', '--json'], env));
      expect(listed).toContainEqual({ name: 'builtin:tiny', architecture: 'LlamaForCausalLM', parameters: expect.any(Number), source: expect.any(String), builtin: true });
      const tiny = listed.find((row) => (row as { name: string }).name === 'builtin:tiny') as { parameters: number };
      expect(tiny.parameters).toBeGreaterThan(1e6);
    });

    it('shows its architecture, grouped-query shape, chat template, files and folder hash', async () => {
      const shown = printedJson<{
        architecture: string;
        parameters: number;
        sha256: string;
        config: { layers: number; attentionHeads: number; keyValueHeads: number };
        chatTemplate: boolean;
        files: string[];
      }>(await runCli(['models', 'show', 'builtin:tiny', '--json'], env));
      expect(shown.architecture).toBe('LlamaForCausalLM');
      expect(shown.parameters).toBeGreaterThan(1e6);
      expect(shown.sha256).toMatch(/^[0-9a-f]{64}$/);
      expect(shown.config.layers).toBeGreaterThan(0);
      expect(shown.config.keyValueHeads).toBeGreaterThan(0);
      expect(shown.config.keyValueHeads).toBeLessThan(shown.config.attentionHeads);
      expect(shown.chatTemplate).toBe(true);
      expect(shown.files).toEqual(expect.arrayContaining(['model.safetensors', 'tokenizer.json']));
    });

    it('answers a chat prompt on the cpu backend within the token budget', async () => {
      const output = printedJson<GenerateOutput>(await runCli(['models', 'generate', 'builtin:tiny', '--prompt', 'Where is my parcel?', '--max-tokens', '8', '--json', '--backend', 'cpu'], env));
      expectGenerateContract(output, 'cpu', 8);
      expect(output.model).toBe('builtin:tiny');
    });

    it('samples the same text in two processes given the same seed on the wasm backend', async () => {
      const args = ['models', 'generate', 'builtin:tiny', '--prompt', 'Where is my parcel?', '--max-tokens', '8', '--json', '--backend', 'wasm', '--seed', '3', '--temperature', '0.8'];
      const [first, second] = (await Promise.all([runCli(args, env), runCli(args, env)])).map((result) => printedJson<GenerateOutput>(result));
      expectGenerateContract(first!, 'wasm', 8);
      expect(second).toEqual(first);
    });

    it('completes raw text with --raw', async () => {
      const output = printedJson<GenerateOutput>(await runCli(['models', 'generate', 'builtin:tiny', '--raw', '--prompt', 'Once upon a time', '--max-tokens', '4', '--json', '--backend', 'cpu'], env));
      expectGenerateContract(output, 'cpu', 4);
    });
  });

  it('exits 2 with a message saying what to do for an unknown model, an unknown built-in, or a zero token budget', async () => {
    const [missing, unknownBuiltin, zeroTokens] = await Promise.all([
      runCli(['models', 'show', 'nobody/nothing'], env),
      runCli(['models', 'generate', 'builtin:huge', '--prompt', 'x'], env),
      runCli(['models', 'generate', 'builtin:tiny', '--prompt', 'x', '--max-tokens', '0'], env),
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('lora models pull nobody/nothing');
    expect(unknownBuiltin.code).toBe(2);
    expect(unknownBuiltin.stderr).toContain('builtin:huge');
    expect(unknownBuiltin.stderr).toContain('built-in models: builtin:tiny');
    expect(zeroTokens.code).toBe(2);
    expect(zeroTokens.stderr).toMatch(/--max-tokens.*must be an integer of at least 1, got "0"/);
    for (const result of [missing, unknownBuiltin, zeroTokens]) {
      expect(result.stdout).toBe('');
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  describe('pulling from a hub', () => {
    let hub: Awaited<ReturnType<typeof startHub>>;
    let copy: Map<string, Buffer>;

    beforeAll(async () => {
      copy = new Map<string, Buffer>();
      for (const name of tinyFiles) copy.set(name, await readFile(join(tinyFolder, name)));
      // Pickle weights sit next to safetensors in many hub repos; the runtime never reads them.
      copy.set('pytorch_model.bin', Buffer.from('not a pickle, and never to be downloaded'));
      hub = await startHub({ 'acme/tiny-copy': copy, 'acme/private-copy': copy }, new Set(['acme/private-copy']));
    });
    afterAll(async () => {
      await hub.close();
    });

    it('pulls the runtime files into the store, then lists the model and generates with it', async () => {
      const store = join(folder, 'pull-store');
      const cache = join(folder, 'pull-cache');
      const pullEnv = { ...env, HF_ENDPOINT: hub.endpoint, LORA_STORE: `file://${store}`, LORA_MODEL_CACHE: cache };

      const pulled = printedJson<{ repo: string; sha: string; files: Array<{ name: string; size: number; sha256: string }> }>(
        await runCli(['models', 'pull', 'acme/tiny-copy', '--json'], pullEnv),
      );
      expect(pulled).toMatchObject({ repo: 'acme/tiny-copy', sha: hubCommit });
      expect(pulled.files).toEqual(tinyFiles.map((name) => ({ name, size: copy.get(name)!.length, sha256: sha256(copy.get(name)!) })));
      expect(await exists(join(store, 'models', 'acme', 'tiny-copy', 'model.safetensors'))).toBe(true);
      expect(await exists(join(store, 'models', 'acme', 'tiny-copy', 'pytorch_model.bin'))).toBe(false);
      const paths = hub.requests.map((request) => request.path);
      expect(paths).toContain(`/acme/tiny-copy/resolve/${hubCommit}/model.safetensors`);
      expect(paths).not.toContain(`/acme/tiny-copy/resolve/${hubCommit}/pytorch_model.bin`);

      const listed = printedJson<unknown[]>(await runCli(['models', 'list', '--json'], pullEnv));
      expect(listed).toContainEqual(expect.objectContaining({ name: 'acme/tiny-copy', architecture: 'LlamaForCausalLM', builtin: false }));

      const output = printedJson<GenerateOutput>(await runCli(['models', 'generate', 'acme/tiny-copy', '--prompt', 'hi', '--max-tokens', '4', '--json', '--backend', 'cpu'], pullEnv));
      expectGenerateContract(output, 'cpu', 4);
      expect(output.model).toBe('acme/tiny-copy');
      expect(await exists(join(cache, 'models', 'acme', 'tiny-copy', 'model.safetensors'))).toBe(true);
    });

    it('sends HF_TOKEN as a bearer token on every request', async () => {
      const before = hub.requests.length;
      const result = await runCli(['models', 'pull', 'acme/private-copy', '--json'], {
        ...env,
        HF_ENDPOINT: hub.endpoint,
        HF_TOKEN: hubToken,
        LORA_STORE: `file://${join(folder, 'token-store')}`,
        LORA_MODEL_CACHE: join(folder, 'token-cache'),
      });
      expect(result.code, result.stderr).toBe(0);
      const sent = hub.requests.slice(before);
      expect(sent.length).toBeGreaterThan(tinyFiles.length);
      expect(sent.every((request) => request.authorization === `Bearer ${hubToken}`)).toBe(true);
    });

    it('exits 1 naming HF_TOKEN when the hub wants a token and HF_TOKEN is empty', async () => {
      const before = hub.requests.length;
      const store = join(folder, 'refused-store');
      const result = await runCli(['models', 'pull', 'acme/private-copy'], {
        ...env,
        HF_ENDPOINT: hub.endpoint,
        // An empty variable (a CI template's placeholder) means no token, not an empty bearer token.
        HF_TOKEN: '',
        LORA_STORE: `file://${store}`,
        LORA_MODEL_CACHE: join(folder, 'refused-cache'),
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain('HF_TOKEN');
      expect(result.stderr).toContain('acme/private-copy');
      expect(result.stderr).toContain('no token was sent');
      expect(hub.requests.slice(before).map((request) => request.authorization)).toEqual([undefined]);
      expect(result.stderr).not.toMatch(/\n\s+at /);
      expect(await exists(join(store, 'models', 'acme', 'private-copy', 'config.json'))).toBe(false);
    });
  });
});
