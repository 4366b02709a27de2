// A redis-server of a test's own on a loopback port, with its append-only file in a folder the test owns, so that the
// test can stop it (SIGTERM: Redis flushes the AOF) and start it again on the same port with the same data.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { delimiter, join } from 'node:path';
import { assertRedisReachable } from '../../core/index.js';

/** The path of `redis-server` on the PATH, or undefined. */
export function redisServerOnPath(): string | undefined {
  for (const folder of (process.env.PATH ?? '').split(delimiter)) {
    if (folder === '') continue;
    const candidate = join(folder, 'redis-server');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder
    }
  }
  return undefined;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A private Redis with AOF persistence that survives `stop()` and `start()`. */
export class RedisServerProcess {
  private child: ChildProcess | undefined;
  private log = '';

  private constructor(
    private readonly command: string,
    readonly port: number,
    readonly folder: string,
  ) {}

  /** Starts `redis-server` (from the PATH) on a free port, with AOF on and no snapshots, keeping its data in `folder`. */
  static async start(command: string, folder: string): Promise<RedisServerProcess> {
    const server = new RedisServerProcess(command, await freePort(), folder);
    await server.start();
    return server;
  }

  /** `redis://127.0.0.1:PORT`. */
  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** What the server printed, for a failing test's message. */
  get output(): string {
    return this.log;
  }

  /** Starts the server on its port and folder, and waits until it answers (the AOF is loaded by then). */
  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'yes', '--dir', this.folder, '--maxmemory-policy', 'noeviction'];
    const child = spawn(this.command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (this.log += chunk.toString()));
    this.child = child;
    const deadline = Date.now() + 10_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}:\n${this.log}`);
      const ready = await assertRedisReachable(this.url, 500).then(() => true, () => false);
      if (ready) return;
      if (Date.now() > deadline) throw new Error(`redis-server did not answer on ${this.url} within 10 s:\n${this.log}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Stops the server with SIGTERM, as an orderly restart does, and resolves with its exit code. */
  async stop(): Promise<number | null> {
    const child = this.child;
    this.child = undefined;
    if (child === undefined || child.exitCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    return exited;
  }
}
