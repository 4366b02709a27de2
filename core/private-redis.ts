import { spawn } from 'node:child_process';
import { access, mkdir, open, rm, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { assertRedisReachable, RedisUnreachableError } from './redis.js';

/** The URL lora uses when none is configured; only then may it start a Redis of its own. */
export const defaultRedisUrl = 'redis://127.0.0.1:6379';

async function onPath(command: string): Promise<string | undefined> {
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    if (folder === '') continue;
    const candidate = join(folder, command);
    if (await access(candidate, constants.X_OK).then(() => true, () => false)) return candidate;
  }
  return undefined;
}

async function answers(target: string, timeoutMs: number): Promise<boolean> {
  return assertRedisReachable(target, timeoutMs).then(() => true, () => false);
}

/**
 * Where to reach Redis: the configured URL when it answers. When it does not, the URL is the
 * default (or `startPrivate` says so) and `redis-server` is on the PATH, a private Redis on a Unix socket under `folder`
 * (started once, then shared by every lora command run from this folder; AOF on, no eviction).
 * Otherwise it fails within `timeoutMs`, naming the URL.
 */
export async function resolveRedisTarget(
  url: string,
  timeoutMs: number,
  log: Logger,
  options: { startPrivate?: boolean; folder?: string } = {},
): Promise<string> {
  const startPrivate = options.startPrivate ?? url === defaultRedisUrl;
  const folder = options.folder ?? resolve('.lora', 'redis');
  try {
    await assertRedisReachable(url, timeoutMs);
    return url;
  } catch (error) {
    if (!(error instanceof RedisUnreachableError) || !startPrivate) throw error;
    const server = await onPath('redis-server');
    if (server === undefined) throw error;
    const socket = join(folder, 'redis.sock');
    if (await answers(socket, 1_000)) return socket;
    await mkdir(folder, { recursive: true });
    // One starter at a time: two commands started together would otherwise start two servers on one socket.
    const lock = join(folder, 'start.lock');
    const locked = await open(lock, 'wx').then(
      async (handle) => (await handle.close(), true),
      () => false,
    );
    if (!locked) {
      const age = await stat(lock).then((info) => Date.now() - info.mtimeMs, () => 0);
      for (let waited = 0; waited < timeoutMs; waited += 100) {
        if (await answers(socket, 500)) return socket;
        await new Promise((wait) => setTimeout(wait, 100));
      }
      if (age > 30_000) await rm(lock, { force: true });
      throw error;
    }
    try {
      return await startServer(server, socket, folder, url, timeoutMs, log, error);
    } finally {
      await rm(lock, { force: true });
    }
  }
}

/** Starts a daemonised redis-server on `socket` (AOF on, no eviction, as BullMQ needs) and waits until it answers. */
async function startServer(server: string, socket: string, folder: string, url: string, timeoutMs: number, log: Logger, error: unknown): Promise<string> {
  const child = spawn(
    server,
    ['--port', '0', '--unixsocket', socket, '--unixsocketperm', '700', '--dir', folder, '--daemonize', 'yes', '--appendonly', 'yes', '--save', '', '--maxmemory-policy', 'noeviction', '--logfile', join(folder, 'redis.log')],
    { stdio: 'ignore' },
  );
  await new Promise<void>((done) => child.on('exit', () => done()).on('error', () => done()));
  for (let waited = 0; waited < timeoutMs; waited += 100) {
    if (await answers(socket, 500)) {
      log.info({ socket }, `nothing answered at ${url}; started a private Redis at ${socket}`);
      return socket;
    }
    await new Promise((wait) => setTimeout(wait, 100));
  }
  throw error;
}
