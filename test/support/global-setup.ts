// Starts what the tests need that .ci/run may not have started: the S3-compatible test server.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { TestProject } from 'vitest/node';

let server: ChildProcess | undefined;

/** s3rver in a child process: it needs `--openssl-legacy-provider` for paged listings, which vitest's own process should not get. */
async function startServer(): Promise<string> {
  server = spawn(process.execPath, ['--import', 'tsx', 'test/support/s3-test-server.ts'], {
    env: { ...process.env, NODE_OPTIONS: '--openssl-legacy-provider' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: server.stdout! });
  for await (const line of lines) {
    const match = /^LORA_TEST_S3_ENDPOINT=(.+)$/.exec(line);
    if (match) return match[1]!;
  }
  throw new Error('the S3 test server exited before it listened');
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const endpoint = process.env.LORA_TEST_S3_ENDPOINT ?? (await startServer());
  project.provide('s3Endpoint', endpoint);
  return async () => {
    server?.kill('SIGTERM');
  };
}
