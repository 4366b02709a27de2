// Fault: the folder store cannot be written: its folder is under a file (ENOTDIR), read-only (EACCES for a user,
// a read-only tmpfs, EROFS, for root), or its disk is full (a small tmpfs, ENOSPC). What is lost: nothing. Each write
// fails with a StoreError naming the key and the OS error, `lora datasets curate` exits 1, and nothing is left
// half-written or registered: no partial file, no dataset manifest, and every blob that did land is whole.
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileStore, StoreError, putBlob } from '../../core/index.js';
import { runCli } from '../support/cli.js';
import { mountTmpfs, type Tmpfs } from '../support/tmpfs.js';

const curate = ['datasets', 'curate', 'examples/support-triage/data.jsonl', '--name', 'triage'];

/** Every file under `folder`, relative to it. */
async function filesUnder(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name).slice(folder.length + 1)).sort();
}

/** The error a promise rejects with; fails when it resolves. */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => expect.fail(`expected a rejection, got ${JSON.stringify(value)}`),
    (error: unknown) => error,
  );
}

/** Makes `path` a folder no one here can write to: read-only permissions for a user; for root, whom they do not stop, a read-only tmpfs. */
async function readOnlyFolder(path: string): Promise<{ release(): Promise<void>; error: string } | { unavailable: string }> {
  await mkdir(path);
  if (process.getuid?.() !== 0) {
    await chmod(path, 0o555);
    return { release: () => chmod(path, 0o755), error: 'EACCES' };
  }
  const mounted = await mountTmpfs(path, { sizeKiB: 64, readOnly: true });
  if ('unavailable' in mounted) return { unavailable: `root ignores read-only permissions, and ${mounted.unavailable}` };
  return { release: () => mounted.unmount(), error: 'EROFS' };
}

describe('a folder store that cannot be written (nothing half-written or registered)', () => {
  let folder: string;
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'lora-store-fault-'));
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    await rm(folder, { recursive: true, force: true });
  });

  it('names the store folder, the key and ENOTDIR when the folder is under a file, and the CLI exits 1', async () => {
    const file = join(folder, 'a-file');
    await writeFile(file, 'not a folder\n');
    const root = join(file, 'store');
    const store = new FileStore(root);
    for (const write of [() => store.put('datasets/x/a.json', '{}'), () => store.writeJson('datasets/x/a.json', {}), () => putBlob(store, Readable.from(['streamed']))]) {
      const error = await rejection(write());
      expect(error).toBeInstanceOf(StoreError);
      expect(error).toMatchObject({ code: 'not-writable', retryable: false, exitCode: 1 });
      expect((error as Error).message).toContain(`the store folder ${root} is not a folder`);
      expect((error as Error).message).toContain('ENOTDIR');
      expect((error as Error).message).toContain(`cannot write "${(error as StoreError).key}"`);
    }

    const result = await runCli(curate, { LORA_STORE: `file://${root}` });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/error: cannot write "blobs\/sha256\/[0-9a-f]{2}\/[0-9a-f]{64}": the store folder .* \(ENOTDIR: not a directory/);
    expect(result.stdout).toBe('');
    expect(await readFile(file, 'utf8')).toBe('not a folder\n');
  });

  it('refuses every write to a read-only store folder with not-writable, and the CLI exits 1 having written nothing', async (context) => {
    const root = join(folder, 'read-only');
    const readOnly = await readOnlyFolder(root);
    if ('unavailable' in readOnly) return context.skip(readOnly.unavailable);
    cleanups.push(readOnly.release);
    const store = new FileStore(root);
    const error = await rejection(store.put('datasets/x/a.json', '{}'));
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: 'not-writable', key: 'datasets/x/a.json', retryable: false });
    expect((error as Error).message).toContain('cannot write "datasets/x/a.json": the store is not writable');
    expect((error as Error).message).toContain(readOnly.error);

    const result = await runCli(curate, { LORA_STORE: `file://${root}` });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`error: cannot write "blobs/sha256/[0-9a-f]{2}/[0-9a-f]{64}": the store is not writable \\(${readOnly.error}`));
    expect(await filesUnder(root)).toEqual([]);
  });

  it('fails on a full disk with no-space, keeping no partial object, no partial file and no manifest, and every blob that landed whole', async (context) => {
    const root = join(folder, 'full');
    await mkdir(root);
    // 84 KiB: the curated source (about 79 KB) fits, the splits do not, so the disk fills in the middle of curation.
    const mounted: Tmpfs = await mountTmpfs(root, { sizeKiB: 84 });
    if ('unavailable' in mounted) return context.skip(`a full disk needs a small tmpfs: ${mounted.unavailable}`);
    cleanups.push(() => mounted.unmount());
    const store = new FileStore(root);

    // One chunk larger than the disk: the system writes what fits and returns, and only a second write says ENOSPC.
    const error = await rejection(store.put('large.bin', Readable.from([randomBytes(128 * 1024)])));
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: 'no-space', key: 'large.bin' });
    expect((error as Error).message).toContain(`cannot write "large.bin": the store's disk is full (ENOSPC`);
    expect(await store.head('large.bin')).toBeUndefined();
    expect(await filesUnder(root)).toEqual([]);

    const result = await runCli(curate, { LORA_STORE: `file://${root}` });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/error: cannot write "[^"]+": the store's disk is full \(ENOSPC/);
    const files = await filesUnder(root);
    expect(files.filter((file) => !file.startsWith('blobs/sha256/')), 'partial files or a manifest').toEqual([]);
    for (const file of files) expect(createHash('sha256').update(await readFile(join(root, file))).digest('hex'), file).toBe(basename(file));
  });
});
