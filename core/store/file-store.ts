import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat, unlink, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { dirname, join, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { ArtifactStore, ObjectBody, ObjectInfo } from './artifact-store.js';
import { StoreError } from './store-error.js';
import { assertValidKey, assertValidPrefix } from './store-keys.js';

/** Where half-written files wait before they are renamed into place; never a key. */
const scratchFolder = '.tmp';

/**
 * Creates a folder and its parents. Node's recursive mkdir reports ENOENT when a folder cannot be created on a
 * read-only file system; creating the first missing folder alone then raises the real error (EROFS).
 */
async function makeFolder(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    const exists = (folder: string) => stat(folder).then(() => true, () => false);
    let missing = path;
    while (dirname(missing) !== missing && !(await exists(dirname(missing)))) missing = dirname(missing);
    await mkdir(missing);
    await mkdir(path, { recursive: true });
  }
}

/** Renames a finished scratch file over its target, creating the target's folder when missing. */
async function renameInto(scratch: string, target: string): Promise<void> {
  await rename(scratch, target).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
    await makeFolder(dirname(target));
    await rename(scratch, target);
  });
}

/** Opens a new file for writing, creating its folder when missing. */
async function openCreating(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await makeFolder(dirname(path));
    return open(path, 'wx');
  }
}

/** Writes all of `bytes`: on a full disk `write` may write a part and return, and only the next call fails. */
async function writeWhole(handle: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let offset = 0; offset < bytes.byteLength; ) offset += (await handle.write(bytes, offset)).bytesWritten;
}

/** Maps a file-system error to a store error that says what to do about it. */
function storeErrorFrom(error: unknown, action: string, key: string): StoreError {
  const code = (error as NodeJS.ErrnoException).code;
  const reason = (error as Error).message;
  switch (code) {
    case 'ENOENT':
      return new StoreError(`store object ${JSON.stringify(key)} does not exist`, { code: 'not-found', key, cause: error });
    case 'EISDIR':
      return action === 'read'
        ? new StoreError(`store object ${JSON.stringify(key)} does not exist (it is a prefix of other keys)`, { code: 'not-found', key, cause: error })
        : new StoreError(`cannot ${action} ${JSON.stringify(key)}: the folder store holds other keys under "${key}/"; a key cannot also be a prefix`, { code: 'key-conflict', key, exitCode: 2, cause: error });
    case 'ENOTDIR':
      return new StoreError(`cannot ${action} ${JSON.stringify(key)}: a part of it is already an object in the folder store; a key cannot also be a prefix`, {
        code: action === 'read' ? 'not-found' : 'key-conflict',
        key,
        cause: error,
      });
    case 'ENOSPC':
    case 'EDQUOT':
      return new StoreError(`cannot ${action} ${JSON.stringify(key)}: the store's disk is full (${reason}); free space and retry`, {
        code: 'no-space',
        key,
        cause: error,
      });
    case 'EROFS':
    case 'EACCES':
    case 'EPERM':
      return new StoreError(`cannot ${action} ${JSON.stringify(key)}: the store is not writable (${reason}); check its permissions`, {
        code: 'not-writable',
        key,
        cause: error,
      });
    case 'EMFILE':
    case 'ENFILE':
    case 'EAGAIN':
    case 'EBUSY':
      return new StoreError(`cannot ${action} ${JSON.stringify(key)}: ${reason}`, { code: 'busy', key, retryable: true, cause: error });
    default:
      return new StoreError(`cannot ${action} ${JSON.stringify(key)}: ${reason}`, { code: 'io-error', key, cause: error });
  }
}

function byteOrder(left: string, right: string): number {
  return Buffer.compare(Buffer.from(left), Buffer.from(right));
}

/** The embedded default store: a folder on the local disk. Writes go to a scratch file and are renamed into place. */
export class FileStore implements ArtifactStore {
  readonly url: string;
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.url = `file://${this.root}`;
  }

  /** Opens a store from `file:///abs`, `file://./relative` or `file://relative`, relative to `cwd`. */
  static fromUrl(url: string, cwd: string = process.cwd()): FileStore {
    const rest = url.slice('file://'.length);
    const path = rest.startsWith('/') ? fileURLToPath(url) : resolve(cwd, rest);
    return new FileStore(path);
  }

  private pathOf(key: string): string {
    assertValidKey(key);
    if (key === scratchFolder || key.startsWith(`${scratchFolder}/`)) {
      throw new StoreError(`store key ${JSON.stringify(key)} must not start with "${scratchFolder}/", which the file store keeps for itself`, {
        code: 'invalid-key',
        key,
        exitCode: 2,
      });
    }
    return join(this.root, ...key.split('/'));
  }

  async put(key: string, body: ObjectBody): Promise<ObjectInfo> {
    await this.write(key, body);
    return this.written(key);
  }

  async putFile(key: string, path: string): Promise<ObjectInfo> {
    const target = this.pathOf(key);
    const scratch = join(this.root, scratchFolder, `${randomBytes(12).toString('hex')}.partial`);
    const moved = await makeFolder(dirname(scratch)).then(() => rename(path, scratch)).then(
      () => true,
      () => false,
    );
    if (!moved) {
      // Another file system (EXDEV), or anything else in the way of a move: copy as `put` does, which reports real errors.
      const info = await this.put(key, createReadStream(path));
      await rm(path, { force: true });
      return info;
    }
    try {
      const handle = await open(scratch, 'r+');
      try {
        await handle.datasync();
      } finally {
        await handle.close();
      }
      await renameInto(scratch, target);
    } catch (error) {
      await rm(scratch, { force: true }).catch(() => undefined);
      throw storeErrorFrom(error, 'write', key);
    }
    return this.written(key);
  }

  /** The object just written under `key`. */
  private async written(key: string): Promise<ObjectInfo> {
    const info = await this.head(key);
    if (info === undefined) throw new StoreError(`store object ${JSON.stringify(key)} vanished right after it was written`, { code: 'io-error', key });
    return info;
  }

  /** Writes to a scratch file, flushes it to disk, then renames it over the target: all or nothing. */
  private async write(key: string, body: ObjectBody): Promise<void> {
    const target = this.pathOf(key);
    const scratch = join(this.root, scratchFolder, `${randomBytes(12).toString('hex')}.partial`);
    let renaming = false;
    try {
      const handle = await openCreating(scratch);
      try {
        if (body instanceof Readable) {
          for await (const chunk of body) await writeWhole(handle, typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Uint8Array));
        } else {
          await handle.writeFile(typeof body === 'string' ? Buffer.from(body) : body);
        }
        await handle.datasync();
      } finally {
        await handle.close();
      }
      renaming = true;
      await renameInto(scratch, target);
    } catch (error) {
      await rm(scratch, { force: true }).catch(() => undefined);
      if (error instanceof StoreError) throw error;
      // Before the rename only the scratch folder is used, which no key can name: ENOTDIR there is the store's folder.
      if (!renaming && (error as NodeJS.ErrnoException).code === 'ENOTDIR') {
        throw new StoreError(`cannot write ${JSON.stringify(key)}: the store folder ${this.root} is not a folder, or a part of its path is a file (${(error as Error).message}); point the store at a folder`, {
          code: 'not-writable',
          key,
          cause: error,
        });
      }
      throw storeErrorFrom(error, 'write', key);
    }
  }

  async get(key: string): Promise<Readable> {
    const path = this.pathOf(key);
    try {
      const handle = await open(path, 'r');
      if (!(await handle.stat()).isFile()) {
        await handle.close();
        throw Object.assign(new Error('is a folder'), { code: 'EISDIR' });
      }
      return handle.createReadStream();
    } catch (error) {
      throw storeErrorFrom(error, 'read', key);
    }
  }

  async head(key: string): Promise<ObjectInfo | undefined> {
    const path = this.pathOf(key);
    try {
      const stats = await stat(path);
      if (!stats.isFile()) return undefined;
      return { key, size: stats.size, modifiedAt: stats.mtime };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
      throw storeErrorFrom(error, 'read', key);
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    assertValidPrefix(prefix);
    const folder = prefix.includes('/') ? prefix.slice(0, prefix.lastIndexOf('/')) : '';
    const start = folder === '' ? this.root : join(this.root, ...folder.split('/'));
    let entries: string[];
    try {
      entries = (await readdir(start, { recursive: true, withFileTypes: true }))
        .filter((entry) => entry.isFile())
        .map((entry) => {
          const relative = join(entry.parentPath ?? entry.path, entry.name).slice(this.root.length + 1);
          return relative.split(sep).join('/');
        });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw storeErrorFrom(error, 'list', prefix);
    }
    const keys = entries
      .filter((key) => key.startsWith(prefix) && !key.startsWith(`${scratchFolder}/`))
      .sort(byteOrder);
    for (const key of keys) {
      const info = await this.head(key);
      if (info !== undefined) yield info;
    }
  }

  async delete(key: string): Promise<void> {
    const path = this.pathOf(key);
    try {
      await unlink(path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw storeErrorFrom(error, 'delete', key);
    }
  }

  async writeJson(key: string, value: unknown): Promise<void> {
    await this.write(key, `${JSON.stringify(value, null, 2)}\n`);
  }

  async readJson(key: string): Promise<unknown> {
    const path = this.pathOf(key);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw storeErrorFrom(error, 'read', key);
    }
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new StoreError(`store object ${JSON.stringify(key)} is not valid JSON: ${(error as Error).message}`, { code: 'corrupt', key, cause: error });
    }
  }

  async close(): Promise<void> {}
}
