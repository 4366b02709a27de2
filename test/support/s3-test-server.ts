// Starts s3rver, a real S3-compatible HTTP server, on loopback for the S3 store tests.
// Run as a script it prints `LORA_TEST_S3_ENDPOINT=http://127.0.0.1:PORT` once listening, and stops on SIGTERM.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

/** A running test server and how to stop it. */
export interface S3TestServer {
  endpoint: string;
  close(): Promise<void>;
}

/** Starts s3rver on a free loopback port with an empty data folder. */
export async function startS3TestServer(port = 0): Promise<S3TestServer> {
  const directory = await mkdtemp(join(tmpdir(), 'lora-s3rver-'));
  const server = new S3rver({ port, address: '127.0.0.1', silent: true, directory });
  const address = (await server.run()) as { address: string; port: number };
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}

if (process.argv[1]?.endsWith('s3-test-server.ts')) {
  const server = await startS3TestServer(Number(process.env.PORT ?? 0));
  process.stdout.write(`LORA_TEST_S3_ENDPOINT=${server.endpoint}\n`);
  const stop = () => void server.close().finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
